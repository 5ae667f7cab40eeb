package io.sparkseg.jobs.train;

import java.util.Map;

/**
 * What one fold's training produced, as its task returns it (JSON) and as
 * {@code runs/<run-id>/fold-<k>/result.json} records it, with the model and training settings
 * that fold was trained with ({@code model}, {@code training}; null in results written before
 * they were recorded): folds of one run may be trained by separate {@code train --folds} calls.
 * {@code bestScore} chose the best model: mean Dice (sigmoid models) or mIoU (softmax models);
 * results written before the rename call it {@code bestDice}.
 */
public record FoldResult(int fold, int bestEpoch,
    @com.google.gson.annotations.SerializedName(value = "bestScore", alternate = "bestDice")
    double bestScore, Map<String, Double> metrics,
    int epochsRun, int resumedFromEpoch, int attempt, String device, String gpuAddress,
    long startedAtMillis, long finishedAtMillis, double seconds, String bestModel,
    String oofFile, int historyLength, boolean stoppedEarly, String model, String training) {}

package io.sparkseg.jobs.train;

import java.util.Map;

/**
 * What one fold's training produced, as its task returns it (JSON) and as
 * {@code runs/<run-id>/fold-<k>/result.json} records it.
 */
public record FoldResult(int fold, int bestEpoch, double bestDice, Map<String, Double> metrics,
    int epochsRun, int resumedFromEpoch, int attempt, String device, String gpuAddress,
    long startedAtMillis, long finishedAtMillis, double seconds, String bestModel,
    String oofFile, int historyLength, boolean stoppedEarly) {}

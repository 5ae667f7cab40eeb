package io.sparkseg.core.nn;

import java.util.Map;

/**
 * Everything about a saved model that is not its weights: enough to rebuild the exact block
 * ({@link #spec}) and to use it (input size, normalization, thresholds), plus provenance.
 *
 * @param spec architecture, encoder, decoder channels, classes, activation
 * @param inputHeight height the model was trained on
 * @param inputWidth width the model was trained on
 * @param normalizationMean per-channel mean of the input normalization
 * @param normalizationStd per-channel std of the input normalization
 * @param thresholds per-class probability thresholds
 * @param training the training options, as text
 * @param dataVersion the training data (table and version)
 * @param metrics validation metrics of this model
 * @param gitCommit source version that trained it
 * @param createdAt ISO-8601 time of saving
 */
public record ModelCard(ModelSpec spec, int inputHeight, int inputWidth,
    float[] normalizationMean, float[] normalizationStd, float[] thresholds, String training,
    String dataVersion, Map<String, Double> metrics, String gitCommit, String createdAt) {}

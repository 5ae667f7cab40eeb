package io.sparkseg.core.train;

import java.util.Map;

/**
 * One epoch of a fold's history.
 *
 * @param epoch 1-based epoch number
 * @param lr learning rate used
 * @param trainLoss mean training loss
 * @param valLoss mean validation loss, or null when not validated this epoch
 * @param metrics validation metrics ({@code dice.1} ... {@code dice.mean}, ...), or null
 * @param seconds wall time of the epoch
 * @param imagesPerSecond training throughput
 * @param rssMb resident memory of the process at the end of the epoch
 */
public record EpochRecord(int epoch, double lr, double trainLoss, Double valLoss,
    Map<String, Double> metrics, double seconds, double imagesPerSecond, long rssMb) {}

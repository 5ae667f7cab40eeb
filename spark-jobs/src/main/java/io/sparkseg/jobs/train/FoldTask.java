package io.sparkseg.jobs.train;

import io.sparkseg.core.config.TrainConfig;
import java.io.Serializable;
import java.util.List;

/**
 * One fold's work, shipped to its task: the data files of "all folds but k" and of fold k
 * (from the pinned tiles snapshot), where its outputs go, how to train, and the class names
 * (logs, confusion matrix); the repeat-factor sampling of its training tiles (null: each tile
 * once) with the epoch's expected length.
 */
record FoldTask(int fold, List<String> trainFiles, List<String> validationFiles, String foldDir,
    int classes, TrainConfig train, String dataVersion, String gitCommit,
    List<String> classNames, io.sparkseg.core.train.RepeatFactorSampling sampling,
    long expectedTrainTiles) implements Serializable {}

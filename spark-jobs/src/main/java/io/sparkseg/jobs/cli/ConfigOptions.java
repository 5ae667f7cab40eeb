package io.sparkseg.jobs.cli;

import io.sparkseg.core.config.ConfigLoader;
import io.sparkseg.core.config.SparksegConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every command shares: where the configuration comes from. */
final class ConfigOptions {
  @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
  picocli.CommandLine.Model.CommandSpec command;

  @Option(names = "--config", paramLabel = "FILE",
      description = "HOCON file layered over conf/application.conf.")
  Path configFile;

  @Option(names = "--conf", paramLabel = "KEY=VALUE", mapFallbackValue = "",
      description = "Override any setting, e.g. --conf folds.k=3 or --conf "
          + "spark.sql.shuffle.partitions=4 (repeatable; wins over everything else).")
  Map<String, String> overrides = new LinkedHashMap<>();

  @Option(names = "--work", paramLabel = "DIR",
      description = "Work folder (sparkseg.work-dir): tables, demo data, reports.")
  String workDir;

  @Option(names = "--data", paramLabel = "DIR",
      description = "Kaggle-layout data folder (sparkseg.data.dir): train_images/, "
          + "test_images/, train.csv, sample_submission.csv.")
  String dataDir;

  SparksegConfig load() {
    return load(Map.of());
  }

  /**
   * With command-specific settings (e.g. train --folds) under the explicit --conf ones. When
   * the data folder is the demo data's default location, the demo preset (conf/demo.conf) is
   * layered under --config and --conf, so every command on the demo data agrees on its sizes.
   */
  SparksegConfig load(Map<String, String> commandSettings) {
    Map<String, String> all = new LinkedHashMap<>(commandSettings);
    if (workDir != null) {
      all.put("sparkseg.work-dir", workDir);
    }
    if (dataDir != null) {
      all.put("sparkseg.data.dir", dataDir);
    }
    all.putAll(overrides);
    SparksegConfig cfg = ConfigLoader.load(configFile, all);
    if (onDemoData(cfg)) {
      cfg = ConfigLoader.load(ConfigLoader.DEMO_PRESET, configFile, all, System.getenv());
      java.io.PrintWriter err = command == null ? new java.io.PrintWriter(System.err, true)
          : command.commandLine().getErr();
      err.println("sparkseg: working on the demo data (" + cfg.data().dir()
          + "): the demo preset conf/demo.conf applies under --config/--conf");
      err.flush();
    }
    return cfg;
  }

  /**
   * True for person photos or scenes whose data folder is the demo's default location (no
   * --data): their demo presets (conf/device-demo.conf, conf/scene-demo.conf) are given whole.
   */
  static boolean onPresetDemoData(SparksegConfig cfg) {
    return (cfg.dataset() == SparksegConfig.DatasetKind.PERSON_PHOTOS
        || cfg.dataset() == SparksegConfig.DatasetKind.SCENE)
        && cfg.data().dir().equals(cfg.workDir() + "/demo-data");
  }

  /**
   * True when the data folder is the generated Severstal demo data's default location (the
   * person-photo demo's settings come whole from conf/device-demo.conf).
   */
  static boolean onDemoData(SparksegConfig cfg) {
    return cfg.dataset() == SparksegConfig.DatasetKind.SEVERSTAL
        && cfg.data().dir().equals(cfg.workDir() + "/demo-data");
  }
}

package io.sparkseg.core.train;

/**
 * How a fold trains. {@link #defaults()} are sensible for Severstal tiles; tests and the
 * configuration change what they need with the {@code with*} methods.
 *
 * @param epochs training epochs
 * @param batchSize samples per step
 * @param lr base learning rate
 * @param optimizer adam, adamw or sgd
 * @param weightDecay L2 (adam, sgd) or decoupled (adamw) weight decay
 * @param momentum SGD momentum
 * @param schedule constant, cosine (warm restarts), poly or plateau
 * @param minLr floor of cosine / poly / plateau
 * @param warmupEpochs epochs of linear warm-up
 * @param cosineT0 first cosine period in epochs
 * @param cosineTMult period growth at each restart
 * @param plateauFactor lr factor on a plateau
 * @param plateauPatience validations without progress before the plateau cut
 * @param loss a {@link SegLoss} name
 * @param posWeight per-class positive weights for the -pw losses
 * @param validateEvery validate every N epochs (and after the last)
 * @param earlyStopPatience stop after this many validations without a better mean Dice (0 = never)
 * @param threshold probability threshold for validation masks
 * @param seed seed of initialization, shuffling and augmentation
 * @param keepCheckpoints how many epoch checkpoints to keep (the newest)
 * @param classWeights per-class cross-entropy weights of softmax losses (null = none)
 */
public record TrainOptions(int epochs, int batchSize, float lr, Optimizer.Kind optimizer,
    float weightDecay, float momentum, LrSchedule.Kind schedule, float minLr, int warmupEpochs,
    int cosineT0, int cosineTMult, float plateauFactor, int plateauPatience, String loss,
    float[] posWeight, int validateEvery, int earlyStopPatience, float threshold, long seed,
    int keepCheckpoints, float[] classWeights) implements java.io.Serializable {

  public TrainOptions {
    if (epochs < 1 || batchSize < 1 || validateEvery < 1 || keepCheckpoints < 1) {
      throw new IllegalArgumentException("epochs, batch size, validate-every and "
          + "keep-checkpoints must be >= 1");
    }
    SegLoss.of(loss, posWeight).withClassWeights(classWeights); // validates name and weights
    posWeight = posWeight.clone();
    classWeights = classWeights == null ? null : classWeights.clone();
  }

  /**
   * The record's usual {@code TrainOptions[epochs=..., ...]} with the per-class weights
   * spelled out (not an array's identity), so equal settings print equally: run summaries and
   * per-fold settings compare by this text.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("TrainOptions[");
    java.lang.reflect.RecordComponent[] parts = getClass().getRecordComponents();
    for (int i = 0; i < parts.length; i++) {
      Object v;
      try {
        v = parts[i].getAccessor().invoke(this);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      sb.append(i == 0 ? "" : ", ").append(parts[i].getName()).append('=')
          .append(v instanceof float[] f ? java.util.Arrays.toString(f) : String.valueOf(v));
    }
    return sb.append(']').toString();
  }

  /** The defaults: U-Net training on Severstal tiles. */
  public static TrainOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these options. */
  public Builder toBuilder() {
    Builder x = new Builder();
    x.epochs = epochs;
    x.batchSize = batchSize;
    x.lr = lr;
    x.optimizer = optimizer;
    x.weightDecay = weightDecay;
    x.momentum = momentum;
    x.schedule = schedule;
    x.minLr = minLr;
    x.warmupEpochs = warmupEpochs;
    x.cosineT0 = cosineT0;
    x.cosineTMult = cosineTMult;
    x.plateauFactor = plateauFactor;
    x.plateauPatience = plateauPatience;
    x.loss = loss;
    x.posWeight = posWeight;
    x.validateEvery = validateEvery;
    x.earlyStopPatience = earlyStopPatience;
    x.threshold = threshold;
    x.seed = seed;
    x.keepCheckpoints = keepCheckpoints;
    x.classWeights = classWeights;
    return x;
  }

  /** Builds {@link TrainOptions}; unset values keep their defaults. */
  public static final class Builder {
    private int epochs = 20;
    private int batchSize = 8;
    private float lr = 3e-4f;
    private Optimizer.Kind optimizer = Optimizer.Kind.ADAMW;
    private float weightDecay = 1e-4f;
    private float momentum = 0.9f;
    private LrSchedule.Kind schedule = LrSchedule.Kind.COSINE;
    private float minLr = 1e-6f;
    private int warmupEpochs = 1;
    private int cosineT0 = 20;
    private int cosineTMult = 1;
    private float plateauFactor = 0.5f;
    private int plateauPatience = 2;
    private String loss = "combo-pw";
    private float[] posWeight = SegLoss.DEFAULT_POS_WEIGHT;
    private int validateEvery = 1;
    private int earlyStopPatience = 5;
    private float threshold = 0.5f;
    private long seed = 42;
    private int keepCheckpoints = 2;
    private float[] classWeights;

    private Builder() {}

    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder lr(float v) {
      lr = v;
      return this;
    }

    public Builder optimizer(Optimizer.Kind v) {
      optimizer = v;
      return this;
    }

    public Builder weightDecay(float v) {
      weightDecay = v;
      return this;
    }

    public Builder momentum(float v) {
      momentum = v;
      return this;
    }

    public Builder schedule(LrSchedule.Kind v) {
      schedule = v;
      return this;
    }

    public Builder minLr(float v) {
      minLr = v;
      return this;
    }

    public Builder warmupEpochs(int v) {
      warmupEpochs = v;
      return this;
    }

    public Builder cosineT0(int v) {
      cosineT0 = v;
      return this;
    }

    public Builder cosineTMult(int v) {
      cosineTMult = v;
      return this;
    }

    public Builder plateauFactor(float v) {
      plateauFactor = v;
      return this;
    }

    public Builder plateauPatience(int v) {
      plateauPatience = v;
      return this;
    }

    public Builder loss(String v) {
      loss = v;
      return this;
    }

    public Builder classWeights(float[] v) {
      classWeights = v;
      return this;
    }

    public Builder posWeight(float[] v) {
      posWeight = v;
      return this;
    }

    public Builder validateEvery(int v) {
      validateEvery = v;
      return this;
    }

    public Builder earlyStopPatience(int v) {
      earlyStopPatience = v;
      return this;
    }

    public Builder threshold(float v) {
      threshold = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder keepCheckpoints(int v) {
      keepCheckpoints = v;
      return this;
    }

    public TrainOptions build() {
      return new TrainOptions(epochs, batchSize, lr, optimizer, weightDecay, momentum, schedule, minLr, warmupEpochs, cosineT0, cosineTMult, plateauFactor, plateauPatience, loss, posWeight, validateEvery, earlyStopPatience, threshold, seed, keepCheckpoints, classWeights);
    }
  }

  /** The loss these options describe (class weights included). */
  public SegLoss newLoss() {
    return SegLoss.of(loss, posWeight).withClassWeights(classWeights);
  }

  /** The schedule these options describe. */
  public LrSchedule newSchedule() {
    return new LrSchedule(schedule, lr, minLr, epochs, warmupEpochs, cosineT0, cosineTMult, 1f,
        plateauFactor, plateauPatience);
  }

  @Override
  public float[] posWeight() {
    return posWeight.clone();
  }
}

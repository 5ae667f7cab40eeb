package io.sparkseg.core.image;

/** What {@link ImageCodec#inspect} learnt from an encoded image. */
public record ImageInfo(String format, int height, int width, int channels) {}

package org.cortado.net;

import java.util.Objects;

/**
 * Caffe's {@code FillerParameter}: how {@link Filler} fills a blob. The fields and their defaults are Caffe's
 * (type constant, value 0, min 0, max 1, mean 0, std 1, sparse -1, variance norm FAN_IN).
 */
public record FillerSpec(String type, float value, float min, float max, float mean, float std, int sparse,
        VarianceNorm varianceNorm) {
    /** Which fan xavier and msra divide by. */
    public enum VarianceNorm { FAN_IN, FAN_OUT, AVERAGE }

    public FillerSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(varianceNorm, "varianceNorm");
    }

    /** A filler of {@code type} with Caffe's defaults for the other fields. */
    public static FillerSpec of(String type) {
        return new FillerSpec(type, 0f, 0f, 1f, 0f, 1f, -1, VarianceNorm.FAN_IN);
    }

    /** Every value {@code value}. */
    public static FillerSpec constant(float value) {
        return of("constant").withValue(value);
    }

    /** N(0, std^2). */
    public static FillerSpec gaussian(float std) {
        return of("gaussian").withStd(std);
    }

    public FillerSpec withValue(float v) {
        return new FillerSpec(type, v, min, max, mean, std, sparse, varianceNorm);
    }

    public FillerSpec withRange(float lo, float hi) {
        return new FillerSpec(type, value, lo, hi, mean, std, sparse, varianceNorm);
    }

    public FillerSpec withMean(float m) {
        return new FillerSpec(type, value, min, max, m, std, sparse, varianceNorm);
    }

    public FillerSpec withStd(float s) {
        return new FillerSpec(type, value, min, max, mean, s, sparse, varianceNorm);
    }

    public FillerSpec withSparse(int s) {
        return new FillerSpec(type, value, min, max, mean, std, s, varianceNorm);
    }

    public FillerSpec withVarianceNorm(VarianceNorm n) {
        return new FillerSpec(type, value, min, max, mean, std, sparse, n);
    }
}

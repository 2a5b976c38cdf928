package org.cortado.backend;

/**
 * Local response normalisation over {@code (N, C, H, W)}.
 *
 * <p>ACROSS_CHANNELS: {@code scale = k + alpha/size * sum(x^2 over size channels centred on c)},
 * {@code y = x * scale^-beta}. WITHIN_CHANNEL (Caffe builds it from pooling): {@code scale = 1 + alpha *
 * mean(x^2 over a size x size window, zero-padded by (size-1)/2, divisor size^2)}, {@code y = x * scale^-beta}
 * ({@code k} is not used there, as in Caffe).
 */
public record LrnParams(boolean acrossChannels, int size, float alpha, float beta, float k) {
    public LrnParams {
        if (size < 1 || size % 2 == 0) {
            throw new IllegalArgumentException("LRN local_size must be odd and positive, got " + size);
        }
    }
}

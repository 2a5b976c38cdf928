package org.cortado.image;

/**
 * How an image is resized before cropping. Caffe's own data layers know only {@link Fixed} (ImageData's
 * {@code new_height}/{@code new_width}, or the 256x256 of convert_imageset); {@link ShorterSide} is the torchvision
 * convention (shorter side to a size, aspect kept) that many transfer-learning recipes use.
 */
public sealed interface ResizeMode {
    /** The size an image of {@code height x width} is resized to, as {@code {height, width}}. */
    int[] targetSize(int height, int width);

    /** Keep the decoded size. */
    record None() implements ResizeMode {
        @Override
        public int[] targetSize(int height, int width) {
            return new int[] {height, width};
        }

        @Override
        public String toString() {
            return "none";
        }
    }

    /** Resize to exactly {@code height x width}, ignoring the aspect ratio. */
    record Fixed(int height, int width) implements ResizeMode {
        public Fixed {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("resize size must be positive, got " + height + "x" + width);
            }
        }

        @Override
        public int[] targetSize(int h, int w) {
            return new int[] {height, width};
        }

        @Override
        public String toString() {
            return height + "x" + width;
        }
    }

    /**
     * Resize so that the shorter side is {@code size}; the longer side becomes {@code floor(size * long / short)}, as
     * torchvision computes it.
     */
    record ShorterSide(int size) implements ResizeMode {
        public ShorterSide {
            if (size < 1) {
                throw new IllegalArgumentException("shorter-side size must be positive, got " + size);
            }
        }

        @Override
        public int[] targetSize(int height, int width) {
            if (height <= width) {
                return new int[] {size, (int) ((long) size * width / height)};
            }
            return new int[] {(int) ((long) size * height / width), size};
        }

        @Override
        public String toString() {
            return "shorter-side " + size;
        }
    }
}

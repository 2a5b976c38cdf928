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
     * torchvision computes it. A very thin image grows a very long side (1x65500 to 227x14868500): callers check the
     * target against the pixel limit ({@link ImageTransformer#rejection}).
     */
    record ShorterSide(int size) implements ResizeMode {
        public ShorterSide {
            if (size < 1) {
                throw new IllegalArgumentException("shorter-side size must be positive, got " + size);
            }
        }

        /**
         * @throws IllegalArgumentException when the longer side would not fit an int (a thin image resized up)
         */
        @Override
        public int[] targetSize(int height, int width) {
            long longer = height <= width ? (long) size * width / height : (long) size * height / width;
            if (longer > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("resizing a " + height + "x" + width + " image to shorter side "
                        + size + " would make its longer side " + longer + " pixels");
            }
            return height <= width ? new int[] {size, (int) longer} : new int[] {(int) longer, size};
        }

        @Override
        public String toString() {
            return "shorter-side " + size;
        }
    }
}

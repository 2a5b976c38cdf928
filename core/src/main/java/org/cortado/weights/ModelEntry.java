package org.cortado.weights;

import java.util.List;

/**
 * One Model Zoo model in the weights manifest.
 *
 * @param name           the name {@code weights fetch} takes ("bvlc_alexnet")
 * @param description    one line about the model
 * @param caffemodel     the file name to save the weights as
 * @param urls           where to download them, tried in order
 * @param sha1           the published SHA-1 (hex), or null when none is published ({@code sha1Missing} says why)
 * @param sha1Missing    why there is no SHA-1, or null
 * @param sha256         a published SHA-256, or null
 * @param sha384         a published SHA-384, or null
 * @param size           the size in bytes, or null when unknown
 * @param checksumSource where the checksum (and URL) were published
 * @param license        the weights' licence
 * @param input          the net's input size and the resize before cropping
 * @param mean           the mean to subtract (BGR)
 * @param codeLayer      where transfer learning takes its codes
 * @param labels         the label file (a key of the manifest's {@code labels})
 * @param deploy         where the deploy prototxt is
 */
public record ModelEntry(String name, String description, String caffemodel, List<String> urls, String sha1,
        String sha1Missing, String sha256, String sha384, Long size, String checksumSource, String license,
        Input input, Mean mean, CodeLayer codeLayer, String labels, Deploy deploy) {

    /**
     * Input size of the net, the size images are resized to before the centre crop, and where that size comes from
     * (or null).
     */
    public record Input(int height, int width, int resizeHeight, int resizeWidth, String note) {
    }

    /** Per-channel BGR mean values, and the mean image file the train_val prototxt names (or null). */
    public record Mean(List<Double> values, String file) {
    }

    /**
     * The layer whose output serves as CNN codes.
     *
     * @param layer      blob name
     * @param activation "post" (after in-place layers) or "pre"
     * @param pooling    "avg", "max" or "none"
     * @param dim        length of a code
     * @param note       a remark
     */
    public record CodeLayer(String layer, String activation, String pooling, int dim, String note) {
    }

    /** The deploy prototxt: a download URL and the path in the shared material (or null). */
    public record Deploy(String url, String shared) {
    }

    /** The checksum to verify downloads with: SHA-1 when published, else the strongest other one. */
    public Checksum checksum() {
        if (sha1 != null) {
            return new Checksum("SHA-1", sha1);
        }
        if (sha384 != null) {
            return new Checksum("SHA-384", sha384);
        }
        if (sha256 != null) {
            return new Checksum("SHA-256", sha256);
        }
        throw new IllegalStateException("model " + name + " has no checksum in the manifest");
    }
}

package org.cortado.image;

/**
 * A decoded image and what the decoder warned of while decoding it: damage it got past, such as a truncated JPEG
 * whose missing rows libjpeg filled in. Such an image is used, as OpenCV's {@code imread} would return it, and the
 * warning is reported beside it.
 *
 * @param image   the pixels
 * @param warning the decoder's warnings in a few words (their count and the first one), or null when it gave none
 */
public record DecodedImage(BgrImage image, String warning) {
}

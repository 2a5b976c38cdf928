package org.cortado.image;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The largest image, in pixels, that decoding and resizing accept: a file whose header claims more is refused from
 * its header, before any pixel memory is allocated, and so is a resize (such as a shorter-side resize of a very thin
 * image) whose result would be larger. A few kilobytes of JPEG or PNG can claim 26800 x 26800 pixels, which would
 * take gigabytes to decode; the default of {@value #DEFAULT} pixels (100 megapixels, 300 MB as 8-bit BGR) admits
 * any camera photograph.
 *
 * <p>The limit in force is the system property {@value #PROPERTY} where it is set (a count such as
 * {@code 250000000}, or megapixels such as {@code 250M}), else the default; the command line's {@code --max-pixels}
 * sets that property for the command it runs. {@link ImageDecoder#decode(java.nio.file.Path, long)} takes a limit
 * explicitly.
 */
public final class PixelLimit {
    /** The system property that sets the limit: a pixel count, or megapixels with the suffix M. */
    public static final String PROPERTY = "cortado.image.maxPixels";
    /** The limit where {@value #PROPERTY} is not set: 100 megapixels. */
    public static final long DEFAULT = 100_000_000L;
    /**
     * The largest limit there can be: the most pixels whose 8-bit BGR fits one Java array (the JVM's array size
     * limit is a few elements short of {@code Integer.MAX_VALUE}), about 715 megapixels.
     */
    public static final long LARGEST = (Integer.MAX_VALUE - 8L) / BgrImage.CHANNELS;
    /** How a refusal names the setting, for users of the command line and of the library alike. */
    private static final String SETTING = "--max-pixels, or the property " + PROPERTY;

    private PixelLimit() {
    }

    /** The limit in force: {@value #PROPERTY} where it is set, else {@link #DEFAULT}. */
    public static long current() {
        String text = System.getProperty(PROPERTY);
        if (text == null || text.isBlank()) {
            return DEFAULT;
        }
        return parse(text, "-D" + PROPERTY);
    }

    /**
     * A limit as written by a user: a pixel count ({@code 100000000}) or megapixels with the suffix {@code M}
     * ({@code 100M}, {@code 2.5M}), between 1 and {@link #LARGEST}.
     *
     * @param what names the setting in the error
     * @throws IllegalArgumentException naming {@code what} and the text when it is not such a limit
     */
    public static long parse(String text, String what) {
        String t = text.strip();
        long pixels;
        try {
            if (t.endsWith("M") || t.endsWith("m")) {
                BigDecimal mp = new BigDecimal(t.substring(0, t.length() - 1).strip());
                pixels = mp.movePointRight(6).setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
            } else {
                pixels = Long.parseLong(t);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(what + " takes a pixel count (100000000) or megapixels (100M), got '"
                    + text + "'");
        }
        if (pixels < 1 || pixels > LARGEST) {
            throw new IllegalArgumentException(what + " must be between 1 pixel and " + megapixels(LARGEST)
                    + " (the largest 8-bit BGR image one Java array holds), got '" + text + "'");
        }
        return pixels;
    }

    /**
     * Why an image of {@code height x width} pixels is refused under {@code limit}, or null when it is not: the
     * sizes are taken as they come from a header or a resize, in long arithmetic, so nothing here overflows.
     *
     * @param what what the size is of, leading the reason ("", or for example "resized to ")
     */
    public static String refusal(long height, long width, long limit, String what) {
        long pixels;
        try {
            pixels = Math.multiplyExact(height, width);
        } catch (ArithmeticException e) {
            pixels = Long.MAX_VALUE;
        }
        if (pixels <= limit) {
            return null;
        }
        String size = megapixels(pixels);
        String max = megapixels(limit);
        if (size.equals(max)) {
            // Rounding made them look equal: exact counts then.
            size = pixels + " pixels";
            max = limit + " pixels";
        }
        return what + height + " x " + width + " = " + size + " exceeds the limit of " + max + " (" + SETTING + ")";
    }

    /** {@code pixels} in megapixels, three significant digits: "718 megapixels", "0.0655 megapixels". */
    static String megapixels(long pixels) {
        BigDecimal mp = BigDecimal.valueOf(pixels).movePointLeft(6).round(new MathContext(3)).stripTrailingZeros();
        return mp.toPlainString() + " megapixels";
    }

    /** {@code pixels} as the option would take it back: "100M" for whole megapixels, else the count. */
    public static String format(long pixels) {
        return pixels % 1_000_000 == 0 ? String.format(Locale.ROOT, "%dM", pixels / 1_000_000) : Long.toString(pixels);
    }
}

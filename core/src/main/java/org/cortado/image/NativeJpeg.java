package org.cortado.image;

import java.io.IOException;
import java.nio.file.Path;
import org.cortado.util.NativeLibraries;

/**
 * JPEG decoding through the system's libjpeg-turbo, by a small JNI library that this module's build compiles
 * ({@code src/main/c/jpeg_jni.c}, with the decoder settings of OpenCV's {@code imread}) and carries as the resource
 * {@code org/cortado/image/native/<platform>/libcortado-jpeg.so}.
 *
 * <p>Why not ImageIO alone: its JPEG reader takes about three times as long as the native path (bench/RESULTS.md,
 * "JPEG decoding"). ImageIO's cost is its own machinery (metadata, a callback into Java for every
 * row, colour handling) even where the JDK links the system's libjpeg-turbo, as Debian's does; JDKs that bundle
 * their own libjpeg 6b also lose its SIMD. Both paths give the same pixels, OpenCV's, which the tests check.
 *
 * <p>The library is loaded once per process, on first use. Where it cannot be (no library for this platform in the
 * jar because the build had no gcc or no libjpeg-turbo headers, no {@code libjpeg.so.62} on this system, or
 * {@code -Dcortado.jpeg.native=false}), {@link #available()} is false and {@link #status()} says why; callers then
 * decode with ImageIO.
 */
final class NativeJpeg {
    /** Set to {@code false} to decode JPEGs with ImageIO even where the native library loads. */
    static final String PROPERTY = "cortado.jpeg.native";
    static final String LIBRARY = "libcortado-jpeg.so";
    private static final String RESOURCES = "org/cortado/image/native/";
    /**
     * Scans a file may have: libjpeg-turbo's own choice for its TurboJPEG API's scan limit. Every scan of a
     * progressive file is a pass over the whole image, so a small file of thousands of scans would take minutes;
     * encoders write about ten.
     */
    static final int MAX_SCANS = 500;
    /** Slots of the int[] that {@link #decode(byte[], int, long, long, int, int[], String[])} fills. */
    private static final int HEIGHT = 0;
    private static final int WIDTH = 1;
    private static final int WARNINGS = 2;
    private static final int COMPONENTS = 3;
    private static final int REFUSED = 4;
    private static final int INFO_LENGTH = 5;

    /**
     * A decoded JPEG with what libjpeg said about it.
     *
     * @param firstWarning libjpeg's first warning, or null when there was none
     */
    record Decoded(BgrImage image, int warnings, int components, String firstWarning) {
        /** The warnings in a few words for a report, or null when there were none. */
        String warning() {
            if (warnings == 0) {
                return null;
            }
            return "libjpeg-turbo: " + (warnings == 1 ? "" : warnings + " warnings, the first: ") + firstWarning;
        }
    }

    private NativeJpeg() {
    }

    /** The outcome of loading, decided once (the holder idiom makes the first use load it). */
    private static final class Loaded {
        static final String FAILURE;
        static final String STATUS;

        static {
            String failure = null;
            String status;
            String platform = NativeLibraries.platform();
            if (!Boolean.parseBoolean(System.getProperty(PROPERTY, "true"))) {
                failure = "disabled by -D" + PROPERTY + "=" + System.getProperty(PROPERTY);
            } else if (platform == null) {
                failure = "no native JPEG decoder is built for " + System.getProperty("os.name");
            } else {
                failure = load(RESOURCES + platform + "/" + LIBRARY);
            }
            if (failure == null) {
                status = "libjpeg-turbo through JNI (" + LIBRARY + " built against " + headers() + ")";
            } else {
                status = "javax.imageio: the native decoder is unavailable: " + failure;
            }
            FAILURE = failure;
            STATUS = status;
        }

        /** Extracts and loads the library; null on success, else why it failed. */
        private static String load(String resource) {
            Path file;
            try {
                file = NativeLibraries.extract(NativeJpeg.class.getClassLoader(), resource);
            } catch (IOException e) {
                return "cannot extract " + resource + ": " + e.getMessage();
            }
            if (file == null) {
                return "this cortado-core build carries no " + resource
                        + " (it was built without gcc or without libjpeg-turbo's jpeglib.h)";
            }
            try {
                System.load(file.toString());
                return null;
            } catch (UnsatisfiedLinkError e) {
                // Typically: libjpeg.so.62 (libjpeg-turbo's libjpeg 6.2 API) is not installed.
                return LIBRARY + " did not load: " + e.getMessage();
            }
        }
    }

    /** Whether JPEGs can be decoded natively in this process. */
    static boolean available() {
        return Loaded.FAILURE == null;
    }

    /** Which decoder serves JPEGs, and why ImageIO where it is ImageIO, in one line. */
    static String status() {
        return Loaded.STATUS;
    }

    /** Whether {@code data} starts as a JPEG does (SOI and a marker), the test OpenCV applies to choose its decoder. */
    static boolean isJpeg(byte[] data) {
        return data.length >= 3 && data[0] == (byte) 0xFF && data[1] == (byte) 0xD8 && data[2] == (byte) 0xFF;
    }

    /**
     * Decodes the JPEG {@code data} read from {@code file} to BGR under the pixel limit in force; only when
     * {@link #available()}.
     *
     * @throws ImageDecodeException with libjpeg's message where the data does not decode (warnings, such as a
     *                              premature end of the data, do not throw: the rows libjpeg could not read come out
     *                              as libjpeg fills them, as with OpenCV)
     */
    static BgrImage decode(Path file, byte[] data) throws ImageDecodeException {
        return decodeWithInfo(file, data, PixelLimit.current()).image();
    }

    /**
     * As {@link #decode(Path, byte[])} under {@code maxPixels}, with libjpeg's warnings and the file's number of
     * components. A frame header that claims more than {@code maxPixels} pixels is refused before anything
     * image-sized is allocated.
     */
    static Decoded decodeWithInfo(Path file, byte[] data, long maxPixels) throws ImageDecodeException {
        return decodeWithInfo(file, data, maxPixels, memoryBudget(maxPixels), MAX_SCANS);
    }

    /** As above with libjpeg's memory cap and the scan limit given (tests make them small). */
    static Decoded decodeWithInfo(Path file, byte[] data, long maxPixels, long maxMemory, int maxScans)
            throws ImageDecodeException {
        int[] info = new int[INFO_LENGTH];
        String[] warning = new String[1];
        byte[] bgr;
        try {
            bgr = decode(data, data.length, maxPixels, maxMemory, maxScans, info, warning);
        } catch (IOException e) {
            throw new ImageDecodeException(file, "libjpeg-turbo: " + e.getMessage(), e);
        }
        if (info[REFUSED] != 0) {
            throw new ImageDecodeException(file, PixelLimit.refusal(Integer.toUnsignedLong(info[HEIGHT]),
                    Integer.toUnsignedLong(info[WIDTH]), maxPixels, ""), null);
        }
        return new Decoded(new BgrImage(info[HEIGHT], info[WIDTH], bgr), info[WARNINGS], info[COMPONENTS],
                warning[0]);
    }

    /**
     * libjpeg's own memory cap ({@code max_memory_to_use}) for a pixel limit: the whole-image coefficients of a
     * progressive file of four full-resolution components at the limit (2 bytes each per pixel), plus room for the
     * strip buffers and the padding of blocks at the edges. It binds where the header check does not reach: more
     * components or larger sampling factors than a photograph has.
     */
    static long memoryBudget(long maxPixels) {
        return Math.multiplyExact(maxPixels, 8L) + (64L << 20);
    }

    /**
     * The first {@code length} bytes of {@code jpeg} decoded to B,G,R rows; {@code info} receives height, width, the
     * number of libjpeg warnings, the number of components in the file and whether the frame is larger than
     * {@code maxPixels} (then nothing is decoded and null returned); {@code warning[0]} the first warning's text.
     * libjpeg may use {@code maxMemory} bytes and read {@code maxScans} scans.
     */
    private static native byte[] decode(byte[] jpeg, int length, long maxPixels, long maxMemory, int maxScans,
            int[] info, String[] warning) throws IOException;

    /** Which jpeglib.h the library was compiled against. */
    private static native String headers();
}

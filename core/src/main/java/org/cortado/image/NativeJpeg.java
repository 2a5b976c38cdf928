package org.cortado.image;

import java.io.IOException;
import java.nio.file.Path;
import org.cortado.util.NativeLibraries;

/**
 * JPEG decoding through the system's libjpeg-turbo, by a small JNI library that this module's build compiles
 * ({@code src/main/c/jpeg_jni.c}, with the decoder settings of OpenCV's {@code imread}) and carries as the resource
 * {@code org/cortado/image/native/<platform>/libcortado-jpeg.so}.
 *
 * <p>Why not ImageIO alone: its JPEG reader takes 5-7 ms for a 500x375 photograph here, the native path 1.5 ms (the
 * figures are in bench/RESULTS.md). ImageIO's cost is its own machinery (metadata, a callback into Java for every
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
    /** Slots of the int[] that {@link #decode(byte[], int, int[])} fills. */
    private static final int HEIGHT = 0;
    private static final int WIDTH = 1;
    private static final int WARNINGS = 2;
    private static final int COMPONENTS = 3;
    private static final int INFO_LENGTH = 4;

    /** A decoded JPEG with what libjpeg said about it. */
    record Decoded(BgrImage image, int warnings, int components) {
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
     * Decodes the JPEG {@code data} read from {@code file} to BGR; only when {@link #available()}.
     *
     * @throws ImageDecodeException with libjpeg's message where the data does not decode (warnings, such as a
     *                              premature end of the data, do not throw: the rows libjpeg could not read come out
     *                              as libjpeg fills them, as with OpenCV)
     */
    static BgrImage decode(Path file, byte[] data) throws ImageDecodeException {
        return decodeWithInfo(file, data).image();
    }

    /** As {@link #decode(Path, byte[])}, with libjpeg's warning count and the file's number of components. */
    static Decoded decodeWithInfo(Path file, byte[] data) throws ImageDecodeException {
        int[] info = new int[INFO_LENGTH];
        byte[] bgr;
        try {
            bgr = decode(data, data.length, info);
        } catch (IOException e) {
            throw new ImageDecodeException(file, "libjpeg-turbo: " + e.getMessage(), e);
        }
        return new Decoded(new BgrImage(info[HEIGHT], info[WIDTH], bgr), info[WARNINGS], info[COMPONENTS]);
    }

    /**
     * The first {@code length} bytes of {@code jpeg} decoded to B,G,R rows; {@code info} receives height, width, the
     * number of libjpeg warnings and the number of components in the file.
     */
    private static native byte[] decode(byte[] jpeg, int length, int[] info) throws IOException;

    /** Which jpeglib.h the library was compiled against. */
    private static native String headers();
}

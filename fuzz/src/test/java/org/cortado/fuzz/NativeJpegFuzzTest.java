package org.cortado.fuzz;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.cortado.image.ImageDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ImageDecoder.decode} on JPEG data, which goes to libjpeg-turbo through the JNI library
 * ({@code core/src/main/c/jpeg_jni.c}): BGR pixels within the pixel limit, or an {@code ImageDecodeException} naming
 * the file, either way within the memory bound (libjpeg's buffers are native, outside the heap). A native crash ends
 * the JVM, which the test run reports. The native code is not instrumented, so coverage guides the fuzzer through the
 * Java side only: mutations of the seeds reach libjpeg's markers, but not with the fuzzer's knowledge. Skipped where
 * the native decoder did not load.
 */
@ExtendWith(JazzerAvailable.class)
class NativeJpegFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        String decoder = ImageDecoder.jpegDecoder();
        assumeTrue(decoder.startsWith("libjpeg-turbo"), () -> "no native JPEG decoder to fuzz: " + decoder);
        setup = FuzzSetup.prepare(NativeJpegFuzzTest.class, SharedSeeds.jpegs());
    }

    @AfterAll
    static void report() throws Exception {
        if (setup != null) {
            setup.report();
        }
    }

    @DictionaryFile(resourcePath = "image.dict")
    @FuzzTest
    void decodeJpeg(byte[] data) throws Exception {
        if (!(data.length >= 3 && data[0] == (byte) 0xFF && data[1] == (byte) 0xD8 && data[2] == (byte) 0xFF)) {
            // Not a JPEG to the decoder's eyes: ImageIO would take it, which ImageIoFuzzTest covers.
            setup.count();
            return;
        }
        Path file = setup.write(data, ".jpg");
        try {
            Contract.decodeOrRefuse(file, () -> ImageDecoder.decode(file));
        } finally {
            setup.done(file);
        }
    }
}

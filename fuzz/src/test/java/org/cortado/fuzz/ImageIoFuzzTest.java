package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.cortado.image.ImageDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code ImageDecoder.decodeWithImageIO}, the portable path for every format (JPEG, PNG, GIF, BMP and whatever else
 * javax.imageio reads): BGR pixels within the pixel limit, or an {@code ImageDecodeException} naming the file, within
 * the memory bound either way. The JDK's codecs are not instrumented, so coverage guides the fuzzer through cortado's
 * side only (format dispatch, CMYK, colour models).
 */
@ExtendWith(JazzerAvailable.class)
class ImageIoFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        setup = FuzzSetup.prepare(ImageIoFuzzTest.class, SharedSeeds.images());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @DictionaryFile(resourcePath = "image.dict")
    @FuzzTest
    void decodeWithImageIo(byte[] data) throws Exception {
        Path file = setup.write(data, ".img");
        try {
            Contract.decodeOrRefuse(file, () -> ImageDecoder.decodeWithImageIO(file));
        } finally {
            setup.done(file);
        }
    }
}

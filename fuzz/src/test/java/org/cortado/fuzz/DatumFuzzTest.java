package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.data.DatumImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A record of a Caffe LMDB as {@code DatumImages} lists it (its label, read by walking the fields) and decodes it (raw
 * pixels or an encoded file, under the pixel limit): refused with {@code IOException} (listing) or
 * {@code ImageDecodeException} naming it (decoding).
 */
@ExtendWith(JazzerAvailable.class)
class DatumFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        setup = FuzzSetup.prepare(DatumFuzzTest.class, List.of());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @DictionaryFile(resourcePath = "protobuf.dict")
    @FuzzTest
    void readDatum(byte[] data) throws Exception {
        Path name = setup.write(data, ".datum");
        try {
            Contract.readOrRefuse(null, List.of(IOException.class), () -> DatumImages.label(i -> data[i],
                    data.length));
            Contract.decodeOrRefuse(name, () -> DatumImages.decode(name, Files.readAllBytes(name),
                    Contract.MAX_PIXELS).image());
        } finally {
            setup.done(name);
        }
    }
}

package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.CaffeModelReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code CaffeModelReader.read}: a .caffemodel's weights, or a {@code CaffeFormatException} naming the file. */
@ExtendWith(JazzerAvailable.class)
class CaffeModelFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        // The shared caffemodels are megabytes: the seeds are the small ones in the test resources.
        setup = FuzzSetup.prepare(CaffeModelFuzzTest.class, List.of());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @DictionaryFile(resourcePath = "protobuf.dict")
    @FuzzTest
    void readCaffeModel(byte[] data) throws Exception {
        Path file = setup.write(data, ".caffemodel");
        try {
            Contract.readOrRefuse(file, List.of(CaffeFormatException.class), () -> CaffeModelReader.read(file));
        } finally {
            setup.done(file);
        }
    }
}

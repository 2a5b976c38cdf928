package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.MeanFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code MeanFile.read}: a mean image from a binaryproto, or a {@code CaffeFormatException} naming the file. */
@ExtendWith(JazzerAvailable.class)
class MeanFileFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        // The shared folder holds no mean files: the seeds are those in the test resources.
        setup = FuzzSetup.prepare(MeanFileFuzzTest.class, List.of());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @DictionaryFile(resourcePath = "protobuf.dict")
    @FuzzTest
    void readMeanFile(byte[] data) throws Exception {
        Path file = setup.write(data, ".binaryproto");
        try {
            Contract.readOrRefuse(file, List.of(CaffeFormatException.class), () -> MeanFile.read(file));
        } finally {
            setup.done(file);
        }
    }
}

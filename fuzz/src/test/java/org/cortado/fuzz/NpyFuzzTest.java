package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.List;
import org.cortado.io.Npy;
import org.cortado.io.NpyFormatException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code Npy.read} (float32) and {@code Npy.readInt32}: an array, or an {@code NpyFormatException} naming the file. */
@ExtendWith(JazzerAvailable.class)
class NpyFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        setup = FuzzSetup.prepare(NpyFuzzTest.class, SharedSeeds.npys());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @DictionaryFile(resourcePath = "npy.dict")
    @FuzzTest
    void readNpy(byte[] data) throws Exception {
        Path file = setup.write(data, ".npy");
        try {
            Contract.readOrRefuse(file, List.of(NpyFormatException.class), () -> Npy.read(file));
            Contract.readOrRefuse(file, List.of(NpyFormatException.class), () -> Npy.readInt32(file));
        } finally {
            setup.done(file);
        }
    }
}

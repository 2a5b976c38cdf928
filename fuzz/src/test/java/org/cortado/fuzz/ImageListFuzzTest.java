package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import java.util.List;
import org.cortado.data.DatasetException;
import org.cortado.data.ImageList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/** A Caffe ImageData list file as {@code ImageList} reads it: refused with {@code DatasetException} naming it. */
@ExtendWith(JazzerAvailable.class)
class ImageListFuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        setup = FuzzSetup.prepare(ImageListFuzzTest.class, List.of());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @FuzzTest
    void readList(byte[] data) throws Exception {
        Path file = setup.write(data, ".txt");
        try {
            Contract.readOrRefuse(file, List.of(DatasetException.class), () -> ImageList.read(file, "", null));
        } finally {
            setup.done(file);
        }
    }
}

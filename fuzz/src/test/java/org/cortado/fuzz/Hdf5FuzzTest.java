package org.cortado.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cortado.data.DatasetException;
import org.cortado.data.Hdf5Data;
import org.cortado.data.ImageDataset;
import org.cortado.data.LabeledImage;
import org.cortado.data.StoredBlob;
import org.cortado.image.ImageDecodeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An HDF5 file of an HDF5Data layer as {@code Hdf5Data} opens it (its datasets checked, its labels read) and a few
 * of its rows as a loader reads them: refused with {@code DatasetException} (opening) or {@code
 * ImageDecodeException} (a row) naming the file. jhdf checks the checksums of version-2 structures, so the seeds
 * are what jhdf writes and most mutations meet a checksum first; the dataset checks are reached through the seeds'
 * own variety (types, shapes, ranks).
 */
@ExtendWith(JazzerAvailable.class)
class Hdf5FuzzTest {
    private static FuzzSetup setup;

    @BeforeAll
    static void prepare() throws Exception {
        setup = FuzzSetup.prepare(Hdf5FuzzTest.class, List.of());
    }

    @AfterAll
    static void report() throws Exception {
        setup.report();
    }

    @FuzzTest
    void readHdf5(byte[] data) throws Exception {
        Path file = setup.write(data, ".h5");
        Path list = Files.writeString(file.resolveSibling(file.getFileName() + ".txt"), file.toString());
        try {
            ImageDataset set = Contract.readOrRefuse(file, List.of(DatasetException.class),
                    () -> Hdf5Data.scan(list, "data", "label", null));
            if (set != null) {
                int n = set.size();
                for (int i : new int[] {0, n / 2, n - 1}) {
                    LabeledImage s = set.samples().get(i);
                    Contract.readOrRefuse(file, List.of(ImageDecodeException.class),
                            () -> ((StoredBlob) s.stored()).read(s.file()));
                }
            }
        } finally {
            Hdf5Data.release(list);
            setup.done(list);
            setup.done(file);
        }
    }
}

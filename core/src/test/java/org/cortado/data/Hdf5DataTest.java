package org.cortado.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jhdf.HdfFile;
import io.jhdf.api.dataset.ChunkedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.image.ImageTransformer;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.Phase;
import org.cortado.testing.Hdf5Files;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HDF5Data sources: files written here by jhdf, their rows and labels as read, and every refusal. */
class Hdf5DataTest {
    @TempDir
    Path dir;

    /** The value of element (n, c, h, w) in the fixtures: every element different, readable from its value. */
    private static float value(int file, int n, int c, int h, int w) {
        return file * 10000 + n * 1000 + c * 100 + h * 10 + w + 0.5f;
    }

    private static float[][][][] rows(int file, int n, int c, int h, int w) {
        float[][][][] a = new float[n][c][h][w];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        a[i][j][y][x] = value(file, i, j, y, x);
                    }
                }
            }
        }
        return a;
    }

    private Path h5(String name, Object data, Object label) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (data != null) {
            m.put("data", data);
        }
        if (label != null) {
            m.put("label", label);
        }
        return Hdf5Files.write(dir.resolve(name), m);
    }

    private Path list(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    private ImageDataset scan(Path list) {
        return new DataSource.Hdf5(list, "data", "label").open(null);
    }

    @Test
    void rowsAndLabelsAreReadAsWrittenAcrossFilesAndTypes() throws Exception {
        h5("a.h5", rows(0, 3, 2, 3, 4), new float[] {0, 2, 1});
        // A double dataset with integer labels: Caffe reads both classes as floats.
        double[][][][] b = new double[2][2][3][4];
        for (int i = 0; i < 2; i++) {
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 3; y++) {
                    for (int x = 0; x < 4; x++) {
                        b[i][c][y][x] = value(1, i, c, y, x);
                    }
                }
            }
        }
        h5("sub/b.h5", b, new int[][] {{1}, {0}});
        // Relative to the list's folder (not the working directory), separated by any white space.
        Path list = list("train.txt", "a.h5\n\n  sub/b.h5  \n");
        ImageDataset set = scan(list);
        assertEquals(List.of("0", "1", "2"), set.classes());
        assertArrayEquals(new int[] {0, 2, 1, 1, 0}, set.labels());
        assertEquals(dir.resolve("a.h5") + "[2]", set.samples().get(2).file().toString());
        assertEquals(dir.resolve("sub/b.h5") + "[0]", set.samples().get(3).file().toString());
        // Through the loader: batches (n, C, H, W) of the rows as stored, whatever the transform says.
        TransformSpec ignored = new TransformSpec(new ResizeMode.ShorterSide(99), 0, 0, false, true, new float[] {7},
                null, 3f);
        try (BatchLoader l = new BatchLoader(set.samples(), new ImageTransformer(ignored),
                LoaderOptions.of(2, 2).withPixelMode(true))) {
            int k = 0;
            while (l.hasNext()) {
                Batch batch = l.next();
                assertTrue(batch.skipped().isEmpty(), batch.skipped().toString());
                assertArrayEquals(new int[] {batch.size(), 2, 3, 4}, batch.data().shape().dims());
                float[] got = batch.data().hostData();
                int at = 0;
                for (int i = 0; i < batch.size(); i++, k++) {
                    int file = k < 3 ? 0 : 1;
                    int n = k < 3 ? k : k - 3;
                    for (int c = 0; c < 2; c++) {
                        for (int y = 0; y < 3; y++) {
                            for (int x = 0; x < 4; x++) {
                                assertEquals(value(file, n, c, y, x), got[at++], "sample " + k);
                            }
                        }
                    }
                }
            }
            assertEquals(5, k);
        }
        // A validation set takes the training set's classes.
        h5("v.h5", rows(2, 1, 2, 3, 4), new float[] {2});
        ImageDataset val = new DataSource.Hdf5(list("val.txt", dir.resolve("v.h5").toString()), "data", "label")
                .open(List.of("x", "y", "z"));
        assertEquals(List.of("x", "y", "z"), val.classes());
    }

    @Test
    void compressedChunkedDatasetsAreReadRowByRow() throws Exception {
        float[][][][] data = rows(3, 6, 2, 5, 5);
        Path file = Hdf5Files.writeCompressed(dir.resolve("z.h5"), Map.of("data", data, "label",
                new double[] {1, 0, 1, 0, 1, 0}));
        try (HdfFile h = new HdfFile(file)) {
            assertEquals(List.of(1, 2, 5, 5), Arrays.stream(((ChunkedDataset) h.getDatasetByPath("data"))
                    .getChunkDimensions()).boxed().toList());
            assertEquals("deflate", h.getDatasetByPath("data").getFilters().get(0).getName());
        }
        ImageDataset set = scan(list("z.txt", "z.h5"));
        assertArrayEquals(new int[] {1, 0, 1, 0, 1, 0}, set.labels());
        for (int n : new int[] {0, 4, 5}) {
            float[] row = ((StoredBlob) set.samples().get(n).stored()).read(set.samples().get(n).file());
            for (int k = 0; k < 50; k++) {
                assertEquals(value(3, n, k / 25, k / 5 % 5, k % 5), row[k], "row " + n + " value " + k);
            }
        }
    }

    @Test
    void trainValHdf5DataLayersAreReadAndTheirTransformRefused() throws Exception {
        h5("t.h5", rows(0, 2, 1, 2, 2), new float[] {0, 1});
        list("t.txt", "t.h5");
        String layer = "layer { name: \"d\" type: \"HDF5Data\" top: \"data\" top: \"label\" include { phase: %s } "
                + "hdf5_data_param { source: \"t.txt\" batch_size: %d shuffle: true } %s}\n";
        Path tv = Files.writeString(dir.resolve("tv.prototxt"), layer.formatted("TRAIN", 4, "")
                + layer.formatted("TEST", 3, ""));
        CaffeDataLayers.DataLayer train = CaffeDataLayers.read(tv, Phase.TRAIN, null, null);
        assertInstanceOf(DataSource.Hdf5.class, train.source());
        assertEquals(4, train.batchSize());
        assertFalse(train.transform().isRandom());
        assertEquals(2, train.source().open(null).size());
        assertEquals(3, CaffeDataLayers.read(tv, Phase.TEST, null, null).batchSize());
        Path withTransform = Files.writeString(dir.resolve("tf.prototxt"), layer.formatted("TRAIN", 4,
                "transform_param { mirror: true } "));
        assertMessage(assertThrows(CaffeFormatException.class, () -> CaffeDataLayers.read(withTransform, Phase.TRAIN,
                null, null)), "layer 'd' (HDF5Data)", "does not transform");
        assertMessage(assertThrows(CaffeFormatException.class, () -> CaffeDataLayers.read(tv, Phase.TRAIN,
                new ResizeMode.Fixed(4, 4), null)), "HDF5Data rows go to the net as stored");
        Path oneTop = Files.writeString(dir.resolve("one.prototxt"), layer.formatted("TRAIN", 4, "")
                .replace(" top: \"label\"", ""));
        assertMessage(assertThrows(CaffeFormatException.class, () -> CaffeDataLayers.read(oneTop, Phase.TRAIN, null,
                null)), "1 top(s) [data]", "the input and its label");
        Path noList = Files.writeString(dir.resolve("nolist.prototxt"), layer.formatted("TRAIN", 4, "")
                .replace("t.txt", "missing.txt"));
        assertMessage(assertThrows(CaffeFormatException.class, () -> CaffeDataLayers.read(noList, Phase.TRAIN, null,
                null)), "source 'missing.txt' not found");
    }

    @Test
    void badSourcesAreRefusedWithOneLineNamingTheFileAndDataset() throws Exception {
        float[][][][] four = rows(0, 4, 1, 2, 2);
        h5("good.h5", four, new float[] {0, 1, 0, 1});
        assertRefused(list("empty.txt", " \n\n"), "empty.txt", "lists no HDF5 file");
        assertRefused(dir.resolve("absent.txt"), "absent.txt", "no such HDF5 list file");
        assertRefused(list("gone.txt", "good.h5 gone.h5"), "gone.txt", "'gone.h5' not found");
        h5("nolabel.h5", four, null);
        assertRefused(list("l1.txt", "nolabel.h5"), "nolabel.h5", "no dataset 'label'", "[data]");
        h5("short.h5", four, new float[] {0, 1, 0});
        assertRefused(list("l2.txt", "short.h5"), "short.h5", "'label' has 3 rows, 'data' 4");
        Hdf5Files.write(dir.resolve("strings.h5"), Map.of("data", four, "label", new String[] {"a", "b", "c", "d"}));
        assertRefused(list("l3.txt", "strings.h5"), "strings.h5", "dataset 'label' holds string values");
        h5("vector.h5", four, new float[][] {{0, 1}, {1, 0}, {1, 1}, {0, 0}});
        assertRefused(list("l4.txt", "vector.h5"), "vector.h5", "'label' is 4 x 2", "multi-label");
        h5("fraction.h5", four, new float[] {0, 1, 0.5f, 1});
        assertRefused(list("l5.txt", "fraction.h5"), "fraction.h5", "row 2 is 0.5");
        h5("negative.h5", four, new float[] {0, -1, 0, 1});
        assertRefused(list("l6.txt", "negative.h5"), "negative.h5", "row 1 is -1.0");
        h5("flat.h5", new float[][] {{1, 2}, {3, 4}}, new float[] {0, 1});
        assertRefused(list("l7.txt", "flat.h5"), "flat.h5", "'data' is 2 x 2", "N x C x H x W");
        h5("other.h5", rows(0, 1, 2, 2, 2), new float[] {0});
        assertRefused(list("l8.txt", "good.h5 other.h5"), "other.h5", "rows of 2 x 2 x 2", "1 x 2 x 2");
        Files.writeString(dir.resolve("text.h5"), "not hdf5 at all\n");
        assertRefused(list("l9.txt", "text.h5"), "text.h5", "not a readable HDF5 file");
        // A shape that claims more rows than the file holds, in an otherwise valid file: refused before any read.
        Path big = h5("big.h5", four, new float[] {0, 1, 0, 1});
        Hdf5Files.claimRows(big, new long[] {4, 1, 2, 2}, 1L << 40);
        assertRefused(list("l10.txt", "big.h5"), "big.h5: dataset 'data' claims 1099511627776 x 1 x 2 x 2 values "
                + "(17.6 TB), more than the file's 540 bytes");
        // Each message is one line.
        DatasetException e = assertThrows(DatasetException.class, () -> scan(dir.resolve("l4.txt")));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void theCommandLineTakesHdf5AsASourceOfRows() {
        for (String s : List.of("hdf5:train.txt", "x/train.h5", "d.HDF5")) {
            assertInstanceOf(DataSource.Hdf5.class, DataSource.parse(s), s);
        }
    }

    @Test
    void anHdf5FileIsItsOwnSourceWithoutAList() throws Exception {
        h5("single.h5", rows(0, 3, 2, 3, 4), new float[] {1, 0, 1});
        ImageDataset direct = scan(dir.resolve("single.h5"));
        ImageDataset listed = scan(list("single.txt", "single.h5"));
        assertEquals(listed.samples().stream().map(x -> x.file().toString()).toList(),
                direct.samples().stream().map(x -> x.file().toString()).toList());
        assertArrayEquals(listed.labels(), direct.labels());
        assertTrue(Hdf5Data.holdsRows(direct));
        assertRefused(dir.resolve("absent.h5"), "absent.h5: no such HDF5 file");
        // A list file named as HDF5 is read as HDF5, and refused as such.
        assertRefused(list("wrong.h5", "single.h5\n"), "wrong.h5");
    }

    private void assertRefused(Path list, String... parts) {
        assertMessage(assertThrows(DatasetException.class, () -> scan(list)), parts);
    }

    private static void assertMessage(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}

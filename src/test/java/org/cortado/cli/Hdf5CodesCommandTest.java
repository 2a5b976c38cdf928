package org.cortado.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cortado.data.ImageFolders;
import org.cortado.testing.Hdf5Files;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * codes, transfer, probe and advise on HDF5 sources: the tiny image set transformed (8x8, minus 128, times 1/64) into
 * HDF5 rows written here gives, to the bit, the codes of the images with that preprocessing; the other commands run
 * end to end on it; and the refusals are one line each.
 */
class Hdf5CodesCommandTest {
    @TempDir
    static Path dir;

    /** The image-side options of {@link Hdf5TrainValCommandTest#TRANSFORM}, which the rows were written with. */
    private static final List<String> IMAGE_OPTIONS = List.of("--resize-shorter", "8", "--crop", "8", "--mean-values",
            "128", "--scale", "0.015625");

    @BeforeAll
    static void material() throws Exception {
        Hdf5TrainValCommandTest.tinyRows(dir);
        Hdf5TrainValCommandTest.writeRows(ImageFolders.scan(dir.resolve("data/val")), dir.resolve("h5/named.hdf5"),
                false, "pixels", "cls");
    }

    private static List<String> model(String command) {
        return new ArrayList<>(List.of(command, "--model", dir.resolve("tiny.prototxt").toString(), "--weights",
                dir.resolve("tiny.caffemodel").toString()));
    }

    private static CliTestSupport.Result codes(String source, String out, String... more) {
        List<String> a = model("codes");
        a.addAll(List.of("--layer", "pool_final", "--data", source, "--out", dir.resolve(out).toString(), "--quiet"));
        a.addAll(List.of(more));
        return CliTestSupport.run(a.toArray(String[]::new));
    }

    private static void assertOneLine(CliTestSupport.Result r, String... fragments) {
        assertNotEquals(0, r.status(), r.toString());
        assertEquals(1, r.err().strip().lines().count(), "one line expected:\n" + r);
        for (String f : fragments) {
            assertTrue(r.err().contains(f), "'" + f + "' missing from: " + r.err());
        }
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void codesOfHdf5RowsAreTheCodesOfTheImagesTheyWereMadeFrom() throws Exception {
        var images = codes(dir.resolve("data/val").toString(), "images.npy", IMAGE_OPTIONS.toArray(String[]::new));
        assertEquals(0, images.status(), images.toString());
        var file = codes(dir.resolve("h5/val.h5").toString(), "file.npy");
        assertEquals(0, file.status(), file.toString());
        assertTrue(file.out().contains("preprocessing: none: HDF5 rows go to the net as stored"), file.out());
        assertTrue(file.out().contains("data: 12 of 12 images"), file.out());
        var list = codes("hdf5:" + dir.resolve("val_h5.txt"), "list.npy");
        assertEquals(0, list.status(), list.toString());
        var named = codes(dir.resolve("h5/named.hdf5") + ",data=pixels,label=cls", "named.npy");
        assertEquals(0, named.status(), named.toString());
        for (String got : List.of("file", "list", "named")) {
            assertEquals(-1, Files.mismatch(dir.resolve("images.npy"), dir.resolve(got + ".npy")), got);
            assertEquals(-1, Files.mismatch(dir.resolve("images.labels.npy"), dir.resolve(got + ".labels.npy")), got);
        }
        JsonNode json = new ObjectMapper().readTree(dir.resolve("file.json").toFile());
        assertEquals(dir.resolve("h5/val.h5") + "[0]", json.get("files").get(0).asText());
        assertEquals(dir.resolve("h5/val.h5") + "[11]", json.get("files").get(11).asText());
        assertEquals(0, json.get("skipped").size());
        assertEquals("none: HDF5 rows of 3 x 8 x 8 as stored", json.at("/provenance/preprocessing").asText(),
                json.toString());
        assertEquals("[\"0\",\"1\"]", json.get("classes").toString());
        // --resume keeps a complete file of the same codes; a second run gives the same bytes.
        var again = codes(dir.resolve("h5/val.h5").toString(), "file.npy", "--resume");
        assertEquals(0, again.status(), again.toString());
        assertEquals(-1, Files.mismatch(dir.resolve("images.npy"), dir.resolve("file.npy")));
    }

    @Test
    void transferProbeAndAdviseRunOnHdf5() throws Exception {
        List<String> t = model("transfer");
        t.addAll(List.of("--layer", "pool_final", "--train", dir.resolve("h5/train.h5").toString(), "--val",
                "hdf5:" + dir.resolve("val_h5.txt"), "--head", "softmax", "--report",
                dir.resolve("t.json").toString(), "--export", dir.resolve("t_export").toString(), "--quiet"));
        var transfer = CliTestSupport.run(t.toArray(String[]::new));
        assertEquals(0, transfer.status(), transfer.toString());
        JsonNode tj = new ObjectMapper().readTree(dir.resolve("t.json").toFile());
        assertEquals(24, tj.get("n_train").asInt());
        assertEquals(12, tj.get("n_val").asInt());
        assertTrue(tj.toString().contains("export_check"), tj.toString());
        assertTrue(tj.at("/export/check/passed").asBoolean(), tj.toString());
        assertEquals(12, tj.at("/export/check/images").asInt(), tj.toString());
        JsonNode recipe = new ObjectMapper().readTree(dir.resolve("t_export/recipe.json").toFile());
        assertEquals("none: HDF5 rows of 3 x 8 x 8 as stored", recipe.get("preprocessing").asText());
        assertEquals("none: HDF5 rows of 3 x 8 x 8 as stored", tj.at("/recipe/preprocessing").asText());

        List<String> p = model("probe");
        p.addAll(List.of("--layers", "pool1,pool_final", "--folds", "2", "--train",
                dir.resolve("h5/train.h5").toString(), "--val", dir.resolve("h5/val.h5").toString(), "--report",
                dir.resolve("p.json").toString(), "--codes", dir.resolve("pcodes").toString(), "--quiet"));
        var probe = CliTestSupport.run(p.toArray(String[]::new));
        assertEquals(0, probe.status(), probe.toString());
        JsonNode pj = new ObjectMapper().readTree(dir.resolve("p.json").toFile());
        assertEquals(2, pj.get("layers").size());
        assertEquals(24, pj.get("n_train").asInt());
        assertEquals("none: HDF5 rows of 3 x 8 x 8 as stored", pj.at("/recipe/preprocessing").asText());

        List<String> a = model("advise");
        a.addAll(List.of("--train", dir.resolve("h5/train.h5").toString(), "--val",
                dir.resolve("h5/val.h5").toString(), "--report", dir.resolve("a.json").toString(), "--codes",
                dir.resolve("acodes").toString(), "--quiet"));
        var advise = CliTestSupport.run(a.toArray(String[]::new));
        assertEquals(0, advise.status(), advise.toString());
        assertTrue(advise.out().contains("recommendation: "), advise.out());
        // The command it prints takes the same sources and no preprocessing options (they would be refused).
        assertTrue(advise.out().contains("--train hdf5:" + dir.resolve("h5/train.h5")),
                advise.out());
        assertFalse(advise.out().contains("--resize"), advise.out());
    }

    @Test
    void badHdf5UsesAreOneLineErrors() throws Exception {
        String h5 = dir.resolve("h5/val.h5").toString();
        assertOneLine(codes(h5, "c1.npy", "--crop", "8", "--mean-values", "128"), "--crop, --mean-values given with "
                + "hdf5:" + h5, "HDF5 rows are the net's input as stored");
        assertOneLine(codes(h5 + ",labels=y", "c2.npy"), "unknown key 'labels'", "data=NAME and label=NAME");
        assertOneLine(codes(h5 + ",data=nothing", "c3.npy"), "val.h5", "nothing");
        Hdf5Files.write(dir.resolve("h5/small.h5"), Map.of("data", new float[2][3][6][6], "label", new float[] {0, 1}));
        assertOneLine(codes(dir.resolve("h5/small.h5").toString(), "c4.npy"), "small.h5: dataset 'data' has rows of "
                + "3 x 6 x 6 for the net's input 'data', which takes 3 x 8 x 8");
        Hdf5Files.write(dir.resolve("h5/vector.h5"), Map.of("data", new float[2][3][8][8], "label",
                new float[][] {{0, 1}, {1, 0}}));
        for (String command : List.of("transfer", "probe", "advise")) {
            List<String> a = model(command);
            a.addAll(List.of("--train", dir.resolve("h5/vector.h5").toString(), "--val", h5, "--quiet", "--report",
                    dir.resolve("bad_" + command + ".json").toString()));
            if (command.equals("transfer")) {
                a.addAll(List.of("--head", "softmax", "--layer", "pool_final"));
            }
            assertOneLine(CliTestSupport.run(a.toArray(String[]::new)), "vector.h5", "'label' is 2 x 2",
                    "one class index per row");
        }
        assertOneLine(CliTestSupport.run("convert-imageset", "--images", h5, "--lmdb",
                dir.resolve("x_lmdb").toString()), "--images hdf5:" + h5 + ": HDF5 rows are the net's input as stored");
        assertTrue(Files.notExists(dir.resolve("x_lmdb")));
        for (String c : List.of("c1.npy", "c2.npy", "c3.npy", "c4.npy", "bad_transfer.json", "bad_probe.json",
                "bad_advise.json")) {
            assertTrue(Files.notExists(dir.resolve(c)), c);
        }
    }
}

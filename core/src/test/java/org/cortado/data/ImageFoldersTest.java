package org.cortado.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFoldersTest {
    @TempDir
    Path root;

    @Test
    void classesAreSortedAndFilesOrderedWithExtensionsCaseInsensitive() throws Exception {
        TestImages.grey(root.resolve("zebra/b.PNG"), 2, 2, 1);
        TestImages.grey(root.resolve("zebra/a.png"), 2, 2, 1);
        TestImages.grey(root.resolve("ant/x.JPG"), 2, 2, 1);
        TestImages.grey(root.resolve("ant/sub/y.bmp"), 2, 2, 1);
        TestImages.grey(root.resolve("ant/w.gif"), 2, 2, 1);
        Files.writeString(root.resolve("ant/notes.txt"), "ignored");
        Files.writeString(root.resolve("ant/x.jpeg"), "a broken image is still listed");
        ImageDataset ds = ImageFolders.scan(root);
        assertEquals(List.of("ant", "zebra"), ds.classes());
        List<String> names = ds.samples().stream().map(s -> root.relativize(s.file()).toString()).toList();
        assertEquals(List.of("ant/sub/y.bmp", "ant/w.gif", "ant/x.JPG", "ant/x.jpeg", "zebra/a.png", "zebra/b.PNG"),
                names);
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1}, ds.labels());
        assertArrayEquals(new int[] {4, 2}, ds.classCounts());
    }

    @Test
    void emptyClassFolderIsAnErrorNamingIt() throws Exception {
        TestImages.grey(root.resolve("a/1.png"), 2, 2, 1);
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("b/readme.txt"), "no images");
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolders.scan(root));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains(root.resolve("b").toString()),
                e.getMessage());
    }

    @Test
    void validationFoldersMustMatchTheTrainingClasses() throws Exception {
        TestImages.grey(root.resolve("train/a/1.png"), 2, 2, 1);
        TestImages.grey(root.resolve("train/b/1.png"), 2, 2, 1);
        TestImages.grey(root.resolve("val/a/1.png"), 2, 2, 1);
        TestImages.grey(root.resolve("val/c/1.png"), 2, 2, 1);
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageFolders.trainVal(root.resolve("train"), root.resolve("val")));
        assertTrue(e.getMessage().contains("missing [b]") && e.getMessage().contains("unexpected [c]"),
                e.getMessage());
        assertThrows(DatasetException.class, () -> ImageFolders.scan(root.resolve("nope")));
        assertThrows(DatasetException.class, () -> ImageFolders.scan(root.resolve("train/a")));
    }

    @Test
    void stratifiedSplitIsSeededAndKeepsClassProportions() {
        List<LabeledImage> samples = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            samples.add(new LabeledImage(Path.of("a", i + ".jpg"), 0));
        }
        for (int i = 0; i < 10; i++) {
            samples.add(new LabeledImage(Path.of("b", i + ".jpg"), 1));
        }
        ImageDataset ds = new ImageDataset(List.of("a", "b"), samples);
        TrainValSplit s1 = ds.split(0.2, 7);
        TrainValSplit s2 = ds.split(0.2, 7);
        TrainValSplit s3 = ds.split(0.2, 8);
        assertArrayEquals(new int[] {8, 2}, s1.val().classCounts());
        assertArrayEquals(new int[] {32, 8}, s1.train().classCounts());
        assertEquals(s1.val().samples(), s2.val().samples());
        assertNotEquals(s1.val().samples(), s3.val().samples());
        Set<LabeledImage> all = new HashSet<>(s1.train().samples());
        all.addAll(s1.val().samples());
        assertEquals(50, all.size());
        // both parts keep the original order
        List<LabeledImage> val = s1.val().samples();
        for (int i = 1; i < val.size(); i++) {
            assertTrue(samples.indexOf(val.get(i - 1)) < samples.indexOf(val.get(i)));
        }
        assertThrows(IllegalArgumentException.class, () -> ds.split(1.0, 0));
    }

    @Test
    void hymenopteraHasTheExpectedClassesAndCounts() {
        Path data = SharedData.require("data/hymenoptera");
        TrainValSplit tv = ImageFolders.trainVal(data.resolve("train"), data.resolve("val"));
        assertEquals(List.of("ants", "bees"), tv.train().classes());
        assertArrayEquals(new int[] {124, 121}, tv.train().classCounts());
        assertArrayEquals(new int[] {70, 83}, tv.val().classCounts());
    }
}

package org.cortado.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.caffe.proto.Caffe.Datum;
import org.cortado.image.BgrImage;
import org.cortado.image.ImageDecoder;
import org.cortado.image.ImageTransformer;
import org.cortado.image.Resize;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.agrona.DirectBuffer;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.DirectBufferProxy;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/** ImageData list files and LMDBs of Datums: their listing, their pixels, and their errors. */
class DataSourceTest {
    @TempDir
    Path dir;

    /** Stripe images of two classes in folders a/ and b/, the folder data set over them. */
    private ImageDataset folders() {
        TestImages.stripes(dir.resolve("img/a/one.png"), 20, 18, 0, 1);
        TestImages.stripes(dir.resolve("img/a/two words.png"), 16, 22, 0, 2);
        TestImages.stripes(dir.resolve("img/b/three.jpg"), 24, 20, 1, 3);
        TestImages.stripes(dir.resolve("img/b/four.png"), 20, 18, 1, 4);
        return ImageFolders.scan(dir.resolve("img"));
    }

    private static List<BgrImage> pixels(ImageDataset set) throws Exception {
        List<BgrImage> out = new ArrayList<>();
        for (LabeledImage s : set.samples()) {
            out.add(s.decode().image());
        }
        return out;
    }

    private static void assertSameImages(List<BgrImage> want, List<BgrImage> got) {
        assertEquals(want.size(), got.size());
        for (int i = 0; i < want.size(); i++) {
            assertEquals(want.get(i).height(), got.get(i).height(), "image " + i);
            assertArrayEquals(want.get(i).pixels(), got.get(i).pixels(), "image " + i);
        }
    }

    @Test
    void aListFileIsReadAsCaffeReadsIt() throws Exception {
        ImageDataset folders = folders();
        Path list = dir.resolve("train.txt");
        // Caffe takes the label after the last space; root_folder is put before the path as a string.
        Files.writeString(list, "a/one.png 0\r\n\na/two words.png 0\nb/three.jpg 1\nb/four.png 1\n");
        ImageDataset set = DataSource.parse("list:" + list + ",root=" + dir.resolve("img") + "/").open(null);
        assertEquals(List.of("0", "1"), set.classes());
        assertArrayEquals(new int[] {0, 0, 1, 1}, set.labels());
        assertEquals(dir.resolve("img/a/two words.png"), set.samples().get(1).file());
        // The folders list b/ as four.png, three.jpg; the list file has them the other way round.
        assertSameImages(pixels(new ImageDataset(folders.classes(), List.of(folders.samples().get(0),
                folders.samples().get(1), folders.samples().get(3), folders.samples().get(2)))), pixels(set));
    }

    @Test
    void aBadListLineIsNamedByFileAndLine() throws Exception {
        Path list = dir.resolve("bad.txt");
        Files.writeString(list, "x.png 0\nnolabel\n");
        var e = assertThrows(DatasetException.class, () -> ImageList.read(list, "", null));
        assertTrue(e.getMessage().contains("bad.txt:2:") && e.getMessage().contains("path label"), e.getMessage());
        Files.writeString(list, "x.png 0\ny.png one\n");
        e = assertThrows(DatasetException.class, () -> ImageList.read(list, "", null));
        assertTrue(e.getMessage().contains("bad.txt:2:") && e.getMessage().contains("'one'"), e.getMessage());
        Files.writeString(list, "x.png -1\n");
        e = assertThrows(DatasetException.class, () -> ImageList.read(list, "", null));
        assertTrue(e.getMessage().contains("bad.txt:1:") && e.getMessage().contains("negative"), e.getMessage());
        Files.writeString(list, "x.png 0\ny.png 5\n");
        e = assertThrows(DatasetException.class, () -> ImageList.read(list, "", List.of("ants", "bees")));
        assertTrue(e.getMessage().contains("label 5") && e.getMessage().contains("2 classes"), e.getMessage());
        // A stray huge label is refused before it becomes two billion class names.
        Files.writeString(list, "x.png 0\ny.png 2000000000\n");
        e = assertThrows(DatasetException.class, () -> ImageList.read(list, "", null));
        assertTrue(e.getMessage().contains("y.png has label 2000000000") && e.getMessage().contains("below 1000000"),
                e.getMessage());
        Files.writeString(list, "\n\n");
        e = assertThrows(DatasetException.class, () -> ImageList.read(list, "", null));
        assertTrue(e.getMessage().contains("lists no image"), e.getMessage());
    }

    @Test
    void anEncodedLmdbHoldsTheFilesAsConvertImagesetWritesThem() throws Exception {
        ImageDataset folders = folders();
        Path db = dir.resolve("train_lmdb");
        var result = LmdbImageWriter.write(db, folders.samples(), dir.resolve("img"),
                new LmdbImageWriter.Format(true, 0, 0));
        assertEquals(4, result.records());
        assertTrue(Files.isRegularFile(db.resolve("data.mdb")));
        DataSource source = DataSource.parse(db.toString());
        assertInstanceOf(DataSource.Lmdb.class, source);
        ImageDataset set = source.open(null);
        assertArrayEquals(folders.labels(), set.labels());
        assertEquals(db.toAbsolutePath().resolve("00000001_a/two words.png"), set.samples().get(1).file());
        assertSameImages(pixels(folders), pixels(set));
        // A validation set takes the training set's names.
        assertEquals(List.of("ants", "bees"), source.open(List.of("ants", "bees")).classes());
    }

    @Test
    void aRawLmdbHoldsResizedPlanarPixels() throws Exception {
        ImageDataset folders = folders();
        Path db = dir.resolve("raw_lmdb");
        LmdbImageWriter.write(db, folders.samples(), dir.resolve("img"), new LmdbImageWriter.Format(false, 12, 10));
        ImageDataset set = DataSource.parse("lmdb:" + db).open(null);
        List<BgrImage> want = new ArrayList<>();
        for (LabeledImage s : folders.samples()) {
            want.add(Resize.linear(ImageDecoder.decode(s.file()), 12, 10));
        }
        assertSameImages(want, pixels(set));
    }

    @Test
    void anExistingLmdbFolderIsNotOverwritten() throws Exception {
        ImageDataset folders = folders();
        Files.createDirectories(dir.resolve("taken"));
        var e = assertThrows(DatasetException.class, () -> LmdbImageWriter.write(dir.resolve("taken"),
                folders.samples(), null, new LmdbImageWriter.Format(true, 0, 0)));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    }

    /** Writes {@code records} (key, value) into a new LMDB with lmdbjava directly. */
    private Path lmdb(String name, List<byte[][]> records) {
        Path db = dir.resolve(name);
        db.toFile().mkdirs();
        try (Env<DirectBuffer> env = Env.create(DirectBufferProxy.PROXY_DB).setMapSize(1 << 24).open(db.toFile())) {
            Dbi<DirectBuffer> dbi = env.openDbi((byte[]) null, DbiFlags.MDB_CREATE);
            try (Txn<DirectBuffer> txn = env.txnWrite()) {
                for (byte[][] kv : records) {
                    dbi.put(txn, LmdbImages.keyBuffer(kv[0]), LmdbImages.keyBuffer(kv[1]));
                }
                txn.commit();
            }
        }
        return db;
    }

    private static byte[][] record(String key, Datum d) {
        return new byte[][] {key.getBytes(StandardCharsets.UTF_8), d.toByteArray()};
    }

    @Test
    void damagedRecordsAreSkippedWithTheirReasonNeverTheRun() throws Exception {
        byte[] jpeg = Files.readAllBytes(TestImages.grey(dir.resolve("g.jpg"), 8, 6, 90));
        Datum good = DatumImages.encoded(jpeg, 1);
        Datum grey = Datum.newBuilder().setChannels(1).setHeight(2).setWidth(3)
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6})).setLabel(0).build();
        Datum huge = Datum.newBuilder().setChannels(3).setHeight(100_000).setWidth(100_000).setLabel(0).build();
        Datum floats = Datum.newBuilder().setChannels(1).setHeight(1).setWidth(2).addFloatData(1).addFloatData(2)
                .setLabel(0).build();
        Datum shortData = Datum.newBuilder().setChannels(3).setHeight(2).setWidth(2)
                .setData(com.google.protobuf.ByteString.copyFrom(new byte[5])).setLabel(1).build();
        Datum garbage = DatumImages.encoded("not an image".getBytes(StandardCharsets.UTF_8), 0);
        Path db = lmdb("mixed_lmdb", List.of(record("0_good", good), record("1_grey", grey), record("2_huge", huge),
                record("3_floats", floats), record("4_short", shortData), record("5_garbage", garbage)));
        ImageDataset set = new DataSource.Lmdb(db).open(null);
        assertEquals(6, set.size());
        List<Batch> batches = new ArrayList<>();
        try (BatchLoader loader = BatchLoader.of(set.samples(),
                new ImageTransformer(TransformSpec.of(new ResizeMode.Fixed(4, 4), 0)), 6, 2)) {
            loader.forEachRemaining(batches::add);
        }
        Batch b = batches.get(0);
        assertEquals(2, b.size(), "the encoded JPEG and the grey raw Datum");
        assertEquals(4, b.skipped().size());
        String reasons = b.skipped().toString();
        assertTrue(reasons.contains("2_huge") && reasons.contains("exceeds the limit"), reasons);
        assertTrue(reasons.contains("3_floats") && reasons.contains("float_data"), reasons);
        assertTrue(reasons.contains("4_short") && reasons.contains("holds 5 bytes"), reasons);
        assertTrue(reasons.contains("5_garbage"), reasons);
        // The grey raw Datum is three equal channels, planar to interleaved.
        BgrImage g = set.samples().get(1).decode().image();
        assertArrayEquals(new byte[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6}, g.pixels());
        assertNull(set.samples().get(0).decode().warning());
    }

    @Test
    void aRecordThatIsNoDatumIsRefusedWhenListingNamingIt() {
        Path db = lmdb("bad_lmdb", List.<byte[][]>of(new byte[][] {"k1".getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}}));
        var e = assertThrows(DatasetException.class, () -> new DataSource.Lmdb(db).open(null));
        assertTrue(e.getMessage().contains("bad_lmdb") && e.getMessage().contains("'k1'")
                && e.getMessage().contains("not a Caffe Datum"), e.getMessage());
        Path empty = lmdb("empty_lmdb", List.of());
        e = assertThrows(DatasetException.class, () -> new DataSource.Lmdb(empty).open(null));
        assertTrue(e.getMessage().contains("no record"), e.getMessage());
    }

    @Test
    void aFolderThatIsNoLmdbIsNamed() throws Exception {
        Path fake = dir.resolve("fake_lmdb");
        Files.createDirectories(fake);
        Files.writeString(fake.resolve("data.mdb"), "not an lmdb at all, but long enough to be read as one? no");
        var e = assertThrows(DatasetException.class, () -> new DataSource.Lmdb(fake).open(null));
        assertTrue(e.getMessage().contains("fake_lmdb"), e.getMessage());
    }

    @Test
    void sourcesAreToldFromTheirPaths() throws Exception {
        folders();
        Path list = Files.writeString(dir.resolve("l.txt"), "a.png 0\n");
        assertEquals(new DataSource.Folders(dir.resolve("img")), DataSource.parse(dir.resolve("img").toString()));
        assertEquals(new DataSource.ListFile(list, ""), DataSource.parse(list.toString()));
        assertEquals(new DataSource.ListFile(list, "/data/"), DataSource.parse("list:" + list + ",root=/data/"));
        assertEquals(new DataSource.Lmdb(Path.of("x")), DataSource.parse("lmdb:x"));
        assertEquals("lmdb:x", DataSource.parse("lmdb:x").spec());
        assertThrows(IllegalArgumentException.class, () -> DataSource.parse("lmdb:"));
    }

    @Test
    void hdf5SourcesAreAListOrAFileWithOptionalDatasetNames() {
        assertEquals(new DataSource.Hdf5(Path.of("l.txt"), "data", "label"), DataSource.parse("hdf5:l.txt"));
        assertEquals(new DataSource.Hdf5(Path.of("a/x.h5"), "data", "label"), DataSource.parse("a/x.h5"));
        assertEquals(new DataSource.Hdf5(Path.of("x.HDF5"), "pix", "cls"),
                DataSource.parse("x.HDF5,label=cls,data=pix"));
        assertEquals(new DataSource.Hdf5(Path.of("l.txt"), "data", "y"), DataSource.parse("hdf5:l.txt,label=y"));
        assertEquals("hdf5:x.h5,data=pix,label=cls", DataSource.parse("x.h5,data=pix,label=cls").spec());
        assertEquals("hdf5:l.txt", DataSource.parse("hdf5:l.txt").spec());
        assertEquals(DataSource.parse("x.h5,data=pix"), DataSource.parse(DataSource.parse("x.h5,data=pix").spec()));
        for (String[] bad : new String[][] {{"x.h5,labels=y", "unknown key 'labels'"}, {"hdf5:", "names no path"},
            {"x.h5,data=", "data= names no dataset"}, {"x.h5,data=a,data=b", "data= is given twice"}}) {
            var e = assertThrows(IllegalArgumentException.class, () -> DataSource.parse(bad[0]), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
    }
}

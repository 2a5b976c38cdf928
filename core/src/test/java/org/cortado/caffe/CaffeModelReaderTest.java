package org.cortado.caffe;

import static org.cortado.caffe.WireBytes.field;
import static org.cortado.caffe.WireBytes.message;
import static org.cortado.caffe.WireBytes.packedDoubles;
import static org.cortado.caffe.WireBytes.packedFloats;
import static org.cortado.caffe.WireBytes.shape;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.caffe.proto.Caffe.V1LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaffeModelReaderTest {
    private static final String TINY_V1 = "models/tiny/caffenet_narrow_v1.caffemodel";
    private static final String SQUEEZENET = "models/squeezenet_v1.0/squeezenet_v1.0.caffemodel";

    @TempDir
    Path tmp;

    @Test
    void readsTheV1TinyModelWithItsExtraLayersAndLegacyDims() throws IOException {
        Path file = SharedData.require(TINY_V1);
        CaffeWeights w = CaffeModelReader.read(file);

        assertEquals("CaffeNet", w.netName());
        assertEquals(file, w.source());
        List<String> names = w.layers().stream().map(LayerWeights::layerName).toList();
        assertEquals(List.of("data", "conv1", "relu1", "pool1", "norm1", "conv2", "relu2", "pool2", "norm2", "conv3",
                "relu3", "conv4", "relu4", "conv5", "relu5", "pool5", "fc6", "relu6", "drop6", "fc7", "relu7",
                "drop7", "fc8", "loss"), names);
        assertEquals("Data", w.layer("data").orElseThrow().layerType());
        assertEquals("SoftmaxWithLoss", w.layer("loss").orElseThrow().layerType());
        assertEquals("Convolution", w.layer("conv1").orElseThrow().layerType());
        assertEquals("LRN", w.layer("norm1").orElseThrow().layerType());
        assertEquals("InnerProduct", w.layer("fc6").orElseThrow().layerType());
        assertEquals("Dropout", w.layer("drop6").orElseThrow().layerType());
        assertTrue(w.layer("data").orElseThrow().blobs().isEmpty());

        List<WeightBlob> conv1 = w.layer("conv1").orElseThrow().blobs();
        assertEquals(2, conv1.size());
        assertEquals(Shape.of(12, 3, 11, 11), conv1.get(0).shape());
        assertTrue(conv1.get(0).legacy4d());
        assertEquals(Shape.of(1, 1, 1, 12), conv1.get(1).shape());
        assertTrue(conv1.get(1).fits(Shape.of(12)), "a legacy bias (1,1,1,12) fills a (12) parameter");

        WeightBlob fc6 = w.layer("fc6").orElseThrow().blobs().get(0);
        assertEquals(Shape.of(1, 1, 256, 1152), fc6.shape());
        assertTrue(fc6.fits(Shape.of(256, 1152)));
        assertFalse(fc6.fits(Shape.of(1152, 256)));

        long blobs = w.layers().stream().mapToLong(l -> l.blobs().size()).sum();
        assertEquals(16, blobs, "8 layers with weights and bias");
        assertSameAsProtobuf(file, w);
    }

    @Test
    void readsSqueezeNetExactlyAsProtobufDoes() throws IOException {
        Path file = SharedData.require(SQUEEZENET);
        CaffeWeights w = CaffeModelReader.read(file);
        assertFalse(w.layer("conv1").orElseThrow().blobs().get(0).legacy4d());
        assertEquals(Shape.of(96, 3, 7, 7), w.layer("conv1").orElseThrow().blobs().get(0).shape());
        assertSameAsProtobuf(file, w);
    }

    @Test
    void valuesThatStraddleTheReadWindowsEndAreReadWhole() {
        Path file = SharedData.require(SQUEEZENET);
        CaffeWeights whole = CaffeModelReader.read(file);
        // Odd window sizes put floats, varints and strings across its end, as any file larger than it has.
        for (int window : new int[] {4093, 65536 + 3}) {
            assertSameWeights(whole, CaffeModelReader.read(file, window));
        }
    }

    @Test
    void readsUnpackedSplitAndDoubleValues() throws IOException {
        byte[] unpacked = message(o -> {
            field(o, 7, message(s -> {
                s.writeInt64(1, 2);   // unpacked dims
                s.writeInt64(1, 3);
            }));
            o.writeFloat(5, 1f);  // unpacked data, then two packed runs: protobuf concatenates all three
            packedFloats(o, 5, 2f, 3f);
            o.writeInt32(50, 7);  // a field the reader does not know
            packedFloats(o, 5, 4f, 5f, 6f);
        });
        byte[] doubles = message(o -> {
            field(o, 7, shape(3));
            packedFloats(o, 5, 9f, 9f, 9f);   // double_data takes precedence, as in Caffe's Blob::FromProto
            packedDoubles(o, 8, 0.5, 1.5);
            o.writeDouble(8, 2.5);
        });
        byte[] legacy = message(o -> {
            o.writeInt32(1, 1);
            o.writeInt32(2, 1);
            o.writeInt32(3, 2);
            o.writeInt32(4, 2);
            field(o, 7, shape(99));  // legacy dims win over shape, as in Caffe
            packedFloats(o, 5, 1f, 2f, 3f, 4f);
        });
        byte[] empty = message(o -> field(o, 7, shape(0, 5)));
        byte[] layer = message(o -> {
            field(o, 7, unpacked);  // blobs before the name
            o.writeString(1, "ip");
            o.writeString(2, "InnerProduct");
            o.writeTag(60, 3);       // a group, skipped whole
            o.writeInt32(1, 5);
            o.writeTag(60, 4);
            field(o, 7, doubles);
            field(o, 7, legacy);
            field(o, 7, empty);
        });
        Path file = write(message(o -> {
            o.writeString(1, "hand");
            o.writeFixed64(9, 42);
            field(o, 100, layer);
        }));

        CaffeWeights w = CaffeModelReader.read(file);
        List<WeightBlob> blobs = w.layer("ip").orElseThrow().blobs();
        assertEquals("InnerProduct", w.layer("ip").orElseThrow().layerType());
        assertEquals(Shape.of(2, 3), blobs.get(0).shape());
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, blobs.get(0).data());
        assertArrayEquals(new float[] {0.5f, 1.5f, 2.5f}, blobs.get(1).data());
        assertEquals(Shape.of(1, 1, 2, 2), blobs.get(2).shape());
        assertTrue(blobs.get(2).legacy4d());
        assertEquals(Shape.of(0, 5), blobs.get(3).shape());
        assertSameAsProtobuf(file, w);
    }

    @Test
    void missingDirectoryAndEmptyFilesAreNamed() throws IOException {
        Path missing = tmp.resolve("nope.caffemodel");
        assertMessage(missing, "nope.caffemodel: no such file");
        assertMessage(tmp, "is a directory");
        assertMessage(write(new byte[0]), "empty file");
    }

    @Test
    void truncatedFilesNameTheFileAndTheOffset() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedData.require(SQUEEZENET));
        int[] cuts = {1, 5, 100, 1000, bytes.length / 3, bytes.length / 2, bytes.length - 1};
        for (int cut : cuts) {
            Path file = write(java.util.Arrays.copyOf(bytes, cut));
            CaffeFormatException e = assertThrows(CaffeFormatException.class, () -> CaffeModelReader.read(file),
                    "cut at " + cut);
            assertTrue(e.getMessage().startsWith(file + ": at byte "), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("(" + cut + " bytes)"),
                    e.getMessage());
        }
        // Cut inside a blob, the message says which layer and blob.
        CaffeFormatException e = assertThrows(CaffeFormatException.class,
                () -> CaffeModelReader.read(write(java.util.Arrays.copyOf(bytes, bytes.length - 1))));
        assertTrue(e.getMessage().contains("in layer '"), e.getMessage());
    }

    @Test
    void corruptionIsReportedWhereItIs() throws IOException {
        byte[] blob = message(o -> {
            field(o, 7, shape(2, 3));
            packedFloats(o, 5, 1, 2, 3, 4, 5);
        });
        assertMessage(netWithLayer("fc", blob), "at byte ", "in layer 'fc' (#0), blob 0",
                "blob of shape (2, 3) needs 6 values but holds 5");

        byte[] badVarint = new byte[] {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
                (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01};
        assertMessage(write(badVarint), "at byte 1: bad varint");

        byte[] wireType7 = message(o -> {
            o.writeString(1, "n");
            o.writeTag(100, 2);
            o.writeUInt32NoTag(3);
            o.writeTag(3, 7);
            o.writeUInt32NoTag(0);
            o.writeUInt32NoTag(0);
        });
        assertMessage(write(wireType7), "at byte 6, in layer #0: invalid wire type 7 for field 3");

        byte[] wrongType = message(o -> o.writeInt32(100, 5));
        assertMessage(write(wrongType), "at byte 0: field NetParameter.layer has wire type 0 (varint), expected 2 (length-delimited)");

        // A blob claiming 1000 bytes inside a layer of 20: the layer's end stops it, not the file's.
        byte[] overlong = message(o -> {
            o.writeString(1, "fc");
            o.writeTag(7, 2);
            o.writeUInt32NoTag(1000);
            o.writeRawBytes(new byte[16]);
        });
        Path file = write(message(o -> {
            field(o, 100, overlong);
            o.writeRawBytes(new byte[2000]);
        }));
        assertMessage(file, "at byte 8, in layer 'fc' (#0), blob 0",
                "a field of 1000 bytes runs past the end of its enclosing message at byte 26");
    }

    @Test
    void mixedFormatsAndUnknownV1TypesAreRejected() throws IOException {
        byte[] v1 = V1LayerParameter.newBuilder().setName("a").setType(V1LayerParameter.LayerType.RELU).build()
                .toByteArray();
        byte[] v2 = LayerParameter.newBuilder().setName("b").setType("ReLU").build().toByteArray();
        assertMessage(write(message(o -> {
            field(o, 2, v1);
            field(o, 100, v2);
        })), "mixes 1 V2 'layer' and 1 V1 'layers'");

        byte[] unknown = message(o -> {
            o.writeString(4, "odd");
            o.writeEnum(5, 999);
        });
        assertMessage(write(message(o -> field(o, 2, unknown))), "in layer 'odd' (#0): unknown V1 layer type number 999");

        byte[] v0 = message(o -> field(o, 1, message(l -> l.writeString(1, "conv1"))));
        assertMessage(write(message(o -> field(o, 2, v0))), "V0 format of Caffe before 2014");
    }

    /** Flipped and cut bytes anywhere give a result or a CaffeFormatException, never another exception. */
    @Test
    void randomDamageNeverEscapesAsAnotherException() throws IOException {
        byte[] bytes = Files.readAllBytes(SharedData.require(TINY_V1));
        int layers = CaffeModelReader.read(SharedData.require(TINY_V1)).layers().size();
        java.util.Random random = new java.util.Random(20240601);
        Path file = tmp.resolve("damaged.caffemodel");
        for (int trial = 0; trial < 300; trial++) {
            byte[] damaged;
            if (trial % 3 == 0) {
                damaged = java.util.Arrays.copyOf(bytes, 1 + random.nextInt(bytes.length - 1));
            } else {
                damaged = bytes.clone();
                // The structure (tags, lengths, names) sits in the first bytes of each layer; hit those more often.
                int at = trial % 3 == 1 ? random.nextInt(bytes.length) : layerHeaderByte(bytes, random);
                damaged[at] = (byte) random.nextInt(256);
            }
            Files.write(file, damaged);
            try {
                CaffeWeights w = CaffeModelReader.read(file);
                assertTrue(w.layers().size() <= layers + 1);
            } catch (CaffeFormatException e) {
                assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            }
        }
    }

    private static int layerHeaderByte(byte[] bytes, java.util.Random random) {
        // V1 layers start with tag 0x12 (field 2, length-delimited); pick one and a byte shortly after it.
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < bytes.length && starts.size() < 64; i++) {
            if (bytes[i] == 0x12) {
                starts.add(i);
            }
        }
        int start = starts.get(random.nextInt(starts.size()));
        return Math.min(bytes.length - 1, start + random.nextInt(48));
    }

    private Path netWithLayer(String name, byte[] blob) throws IOException {
        return write(message(o -> field(o, 100, message(l -> {
            l.writeString(1, name);
            field(l, 7, blob);
        }))));
    }

    private Path write(byte[] bytes) throws IOException {
        Path file = Files.createTempFile(tmp, "model", ".caffemodel");
        Files.write(file, bytes);
        return file;
    }

    private static void assertMessage(Path file, String... parts) {
        CaffeFormatException e = assertThrows(CaffeFormatException.class, () -> CaffeModelReader.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }

    /** Compares every layer and blob with protobuf's own parse of the same file. */
    static void assertSameAsProtobuf(Path file, CaffeWeights w) throws IOException {
        NetParameter net = ProtobufOracle.parseNet(file);
        assertEquals(net.getName(), w.netName());
        List<String> names = new ArrayList<>();
        List<List<BlobProto>> blobs = new ArrayList<>();
        for (LayerParameter l : net.getLayerList()) {
            names.add(l.getName());
            blobs.add(l.getBlobsList());
        }
        for (V1LayerParameter l : net.getLayersList()) {
            names.add(l.getName());
            blobs.add(l.getBlobsList());
        }
        List<LayerWeights> ours = new ArrayList<>(w.layers());
        assertEquals(names, ours.stream().map(LayerWeights::layerName).toList());
        for (int i = 0; i < ours.size(); i++) {
            List<WeightBlob> mine = ours.get(i).blobs();
            assertEquals(blobs.get(i).size(), mine.size(), names.get(i));
            for (int b = 0; b < mine.size(); b++) {
                BlobProto expected = blobs.get(i).get(b);
                assertEquals(ProtobufOracle.shape(expected), mine.get(b).shape(), names.get(i) + " blob " + b);
                assertArrayEquals(ProtobufOracle.values(expected), mine.get(b).data(), names.get(i) + " blob " + b);
            }
        }
    }

    private static void assertSameWeights(CaffeWeights expected, CaffeWeights actual) {
        List<LayerWeights> e = new ArrayList<>(expected.layers());
        List<LayerWeights> a = new ArrayList<>(actual.layers());
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            assertEquals(e.get(i).layerName(), a.get(i).layerName());
            assertEquals(e.get(i).layerType(), a.get(i).layerType());
            for (int b = 0; b < e.get(i).blobs().size(); b++) {
                assertEquals(e.get(i).blobs().get(b).shape(), a.get(i).blobs().get(b).shape());
                assertArrayEquals(e.get(i).blobs().get(b).data(), a.get(i).blobs().get(b).data());
            }
        }
    }
}

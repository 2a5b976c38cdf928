package org.cortado.caffe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.tensor.HostBuffer;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaffeModelWriterTest {
    @TempDir
    Path tmp;

    @Test
    void squeezeNetRoundTripsThroughOurReaderAndProtobuf() throws IOException {
        Path original = SharedData.require("models/squeezenet_v1.0/squeezenet_v1.0.caffemodel");
        NetParameter net = ProtobufOracle.parseNet(original);
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        for (LayerWeights l : CaffeModelReader.read(original).layers()) {
            blobs.put(l.layerName(), l.blobs().stream().map(b -> Tensor.wrap(b.shape(), b.data())).toList());
        }

        Path out = tmp.resolve("copy.caffemodel");
        CaffeModelWriter.write(out, net.getName(), net.getLayerList(), blobs);

        // Protobuf sees the original's name and layers exactly: same parameters, same blobs (the net-level legacy
        // input fields are the deploy net's business, not the weights').
        NetParameter expected = NetParameter.newBuilder().setName(net.getName()).addAllLayer(net.getLayerList()).build();
        assertTrue(expected.equals(ProtobufOracle.parseNet(out)), "protobuf's parse differs from the original");
        CaffeModelReaderTest.assertSameAsProtobuf(out, CaffeModelReader.read(out));
    }

    @Test
    void oddShapesAndLayersWithoutBlobsRoundTrip() throws IOException {
        Random random = new Random(7);
        Map<String, List<Tensor>> blobs = new LinkedHashMap<>();
        blobs.put("conv", List.of(randomTensor(random, 4, 3, 5, 5), randomTensor(random, 4)));
        blobs.put("odd", List.of(randomTensor(random), randomTensor(random, 0, 7), randomTensor(random, 2, 1, 1, 1, 3)));
        List<LayerParameter> layers = List.of(
                layer("data", "Input"),
                layer("conv", "Convolution").toBuilder()
                        // A stale blob on the layer itself must not be written.
                        .addBlobs(BlobProto.newBuilder().addData(99f)).build(),
                layer("relu", "ReLU"),
                layer("odd", "Scale"));
        Path out = tmp.resolve("odd.caffemodel");
        CaffeModelWriter.write(out, "", layers, blobs);

        CaffeWeights w = CaffeModelReader.read(out);
        assertEquals(List.of("data", "conv", "relu", "odd"), w.layers().stream().map(LayerWeights::layerName).toList());
        assertEquals("Convolution", w.layer("conv").orElseThrow().layerType());
        for (Map.Entry<String, List<Tensor>> e : blobs.entrySet()) {
            List<WeightBlob> read = w.layer(e.getKey()).orElseThrow().blobs();
            assertEquals(e.getValue().size(), read.size());
            for (int i = 0; i < read.size(); i++) {
                assertEquals(e.getValue().get(i).shape(), read.get(i).shape());
                assertFalse(read.get(i).legacy4d());
                assertArrayEquals(e.getValue().get(i).hostData(), read.get(i).data());
            }
        }
        NetParameter parsed = ProtobufOracle.parseNet(out);
        assertEquals(BlobShape.newBuilder().build(), parsed.getLayer(3).getBlobs(0).getShape(), "rank 0");
        assertEquals(2, parsed.getLayer(1).getBlobsCount(), "the layer's stale blob is not written");
        assertEquals(List.of(4L, 3L, 5L, 5L), parsed.getLayer(1).getBlobs(0).getShape().getDimList());
        CaffeModelReaderTest.assertSameAsProtobuf(out, w);
    }

    @Test
    void writesOnlyATensorsOwnElementsOfALargerBuffer() {
        float[] backing = {1, 2, 3, 4, 5, 6, 7, 8};
        Tensor t = new Tensor(Shape.of(2, 2), new HostBuffer(backing));
        Path out = tmp.resolve("view.caffemodel");
        CaffeModelWriter.write(out, "n", List.of(layer("ip", "InnerProduct")), Map.of("ip", List.of(t)));
        assertArrayEquals(new float[] {1, 2, 3, 4},
                CaffeModelReader.read(out).layer("ip").orElseThrow().blobs().get(0).data());
    }

    @Test
    void blobsForAnUnknownLayerAreRefusedAndNothingIsWritten() {
        Path out = tmp.resolve("bad.caffemodel");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CaffeModelWriter.write(out,
                "n", List.of(layer("fc6", "InnerProduct")), Map.of("fc7", List.of(Tensor.zeros(Shape.of(2))))));
        assertTrue(e.getMessage().contains("'fc7'"), e.getMessage());
        assertFalse(Files.exists(out));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        Path out = tmp.resolve("keep.caffemodel");
        Files.writeString(out, "old");
        // A tensor whose data are not on the host: the writer fails after it has started writing.
        Tensor onDevice = new Tensor(Shape.of(1), new org.cortado.tensor.Buffer() {
            @Override
            public org.cortado.tensor.Device device() {
                return new org.cortado.tensor.Device("cuda:0");
            }

            @Override
            public int length() {
                return 1;
            }
        });
        assertThrows(IllegalStateException.class, () -> CaffeModelWriter.write(out, "n",
                List.of(layer("a", "Scale")), Map.of("a", List.of(onDevice))));
        assertEquals("old", Files.readString(out));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(out), files.toList());
        }
    }

    @Test
    void deployPrototxtRoundTripsWithoutBlobs() throws IOException {
        NetParameter net = Prototxt.readNet(SharedData.require("models/squeezenet_v1.0/deploy.prototxt"));
        NetParameter withBlob = net.toBuilder().setLayer(1, net.getLayer(1).toBuilder()
                .addBlobs(BlobProto.newBuilder().addData(1f))).build();
        Path out = tmp.resolve("deploy.prototxt");
        CaffeModelWriter.writeDeployPrototxt(out, withBlob);
        assertEquals(net, Prototxt.readNet(out));
        assertFalse(Files.readString(out).contains("blobs"));
    }

    private static LayerParameter layer(String name, String type) {
        return LayerParameter.newBuilder().setName(name).setType(type).addTop(name).build();
    }

    private static Tensor randomTensor(Random random, int... dims) {
        Shape shape = Shape.of(dims);
        float[] data = new float[shape.count()];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return Tensor.wrap(shape, data);
    }
}

package org.cortado.net;

import static org.cortado.net.InferencePlanZooTest.assertBitsEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.caffe.CaffeModelReader;
import org.cortado.caffe.CaffeModelWriter;
import org.cortado.caffe.CaffeWeights;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.NetParameter;
import org.cortado.layers.NetDefinitionException;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.proto.NetProtos;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.cortado.testing.GradientChecker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Net#planInference}: which layers fold, fuse and run in place, what stays readable, and what it refuses. */
class InferencePlanTest {
    /**
     * conv1 is followed by BatchNorm, Scale and ReLU in place (ResNet's pattern); its output is read by conv2 and by
     * the sum, whose ReLU and Dropout run in place; fc's ReLU writes another blob but is fc's only reader.
     */
    static final String NET = """
            name: "plan"
            layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 2 dim: 3 dim: 8 dim: 8 } } }
            layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
                    convolution_param { num_output: 4 kernel_size: 3 pad: 1 bias_term: false } }
            layer { name: "bn1" type: "BatchNorm" bottom: "conv1" top: "conv1" }
            layer { name: "sc1" type: "Scale" bottom: "conv1" top: "conv1" scale_param { bias_term: true } }
            layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" }
            layer { name: "conv2" type: "Convolution" bottom: "conv1" top: "conv2"
                    convolution_param { num_output: 4 kernel_size: 3 pad: 1 } }
            layer { name: "sum" type: "Eltwise" bottom: "conv1" bottom: "conv2" top: "sum" }
            layer { name: "relu2" type: "ReLU" bottom: "sum" top: "sum" }
            layer { name: "drop" type: "Dropout" bottom: "sum" top: "sum" }
            layer { name: "pool" type: "Pooling" bottom: "sum" top: "pool"
                    pooling_param { pool: MAX kernel_size: 2 stride: 2 } }
            layer { name: "flat" type: "Flatten" bottom: "pool" top: "flat" }
            layer { name: "fc" type: "InnerProduct" bottom: "flat" top: "fc" inner_product_param { num_output: 5 } }
            layer { name: "relu3" type: "ReLU" bottom: "fc" top: "fc_relu" }
            layer { name: "prob" type: "Softmax" bottom: "fc_relu" top: "prob" }
            """;

    private final CpuBackend backend = new CpuBackend(2);

    /** The net with fixed random parameters (BatchNorm's variances and factor positive). */
    private Net net() {
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("plan net", NET, b);
        Net net = NetProtos.build(b.build(), Phase.TEST, backend);
        long seed = 50;
        for (Param p : net.params()) {
            Tensor values = GradientChecker.gaussian(p.shape(), 0.5, seed++);
            if (p.name().startsWith("bn1/")) {
                for (int i = 0; i < values.count(); i++) {
                    values.hostData()[i] = Math.abs(values.hostData()[i]) + 0.5f;
                }
            }
            backend.copy(values, p.data());
        }
        return net;
    }

    private static Tensor input(int batch) {
        return GradientChecker.gaussian(Shape.of(batch, 3, 8, 8), 1.0, 3);
    }

    private static float[] values(Tensor t) {
        return Arrays.copyOf(t.hostData(), t.count());
    }

    @Test
    void withoutFoldingTheNormalisationsRunInPlaceAndTheOutputIsTheSameToTheBit() {
        Net plain = net();
        plain.forward(Map.of("data", input(2)));
        Net planned = net();
        MemoryReport report = planned.planInference(InferenceRequest.layerOutputs(List.of("prob"))
                .withFolding(false).withPoison(true));
        assertEquals(List.of(), report.folded());
        assertEquals(List.of(), report.fused(), "conv1's sole reader is its BatchNorm");
        assertEquals(List.of("bn1", "sc1", "relu1", "relu2", "relu3"), report.inPlace());
        assertTrue(report.plannedBytes() < report.layerByLayerBytes(), report.toString());
        planned.forward(Map.of("data", input(2)));
        assertBitsEqual("prob", values(plain.output("prob")), values(planned.output("prob")));
    }

    @Test
    void foldingLetsTheConvolutionComputeItsNormalisedReluAndStaysWithinRounding() {
        Net plain = net();
        plain.forward(Map.of("data", input(2)));
        Net planned = net();
        MemoryReport report = planned.planInference(InferenceRequest.layerOutputs(List.of("prob")).withPoison(true));
        assertEquals(List.of("bn1", "sc1"), report.folded());
        assertEquals(List.of("conv1"), report.fused());
        assertEquals(List.of("relu2", "relu3"), report.inPlace(), "Dropout is the identity, not a pass");
        planned.forward(Map.of("data", input(2)));
        float[] want = values(plain.output("prob"));
        float[] got = values(planned.output("prob"));
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-6, "prob " + i);
        }
    }

    @Test
    void keptOutputsAreEachLayersOwnAndNothingOverwritesThem() {
        Net plain = net();
        plain.forward(Map.of("data", input(2)));
        Net planned = net();
        MemoryReport report = planned.planInference(InferenceRequest.layerOutputs(List.of("conv1", "relu1", "prob"))
                .withPoison(true));
        assertEquals(List.of(), report.folded(), "conv1's own output is kept: nothing folds into it");
        assertFalse(report.inPlace().contains("bn1"), "bn1 must not write over the kept conv1");
        planned.forward(Map.of("data", input(2)));
        for (String layer : List.of("conv1", "relu1", "prob")) {
            assertBitsEqual(layer, values(plain.output(layer)), values(planned.output(layer)));
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> planned.output("conv2"));
        assertTrue(e.getMessage().contains("'conv2'") && e.getMessage().contains("not kept"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> planned.blob("sum"));
    }

    /**
     * A net loaded from a caffemodel owns its weights, so the fold overwrites conv1's weight where it lies (no second
     * copy for the collector); a net given weights that a {@link CaffeWeights} still holds folds into new tensors and
     * leaves the blobs as read. Both compute the same folded outputs.
     */
    @Test
    void aLoadedNetFoldsInPlaceAndSharedWeightsStayAsRead(@TempDir Path dir) {
        Net source = net();
        Map<String, List<Tensor>> blobs = new java.util.LinkedHashMap<>();
        for (var layer : source.layers()) {
            if (!layer.params().isEmpty()) {
                blobs.put(layer.name(), layer.params().stream().map(Param::data).toList());
            }
        }
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("plan net", NET, b);
        Path model = dir.resolve("plan.caffemodel");
        CaffeModelWriter.write(model, b.build(), blobs);

        Path prototxt = dir.resolve("plan.prototxt");
        CaffeModelWriter.writeDeployPrototxt(prototxt, b.build());
        Net loaded = LoadedNet.load(prototxt, model, Phase.TEST, backend).net();
        Tensor before = loaded.layer("conv1").params().get(0).data();
        float[] unfolded = values(before);
        loaded.planInference(InferenceRequest.layerOutputs(List.of("prob")));
        Tensor after = loaded.layer("conv1").params().get(0).data();
        assertSame(before.hostData(), after.hostData(), "folded where it lay");
        assertFalse(Arrays.equals(unfolded, values(after)), "the fold changed conv1's weight");

        CaffeWeights read = CaffeModelReader.read(model);
        Net shared = net();
        NetWeights.copy(read, shared);
        float[] blob = read.layer("conv1").orElseThrow().blobs().get(0).data();
        float[] asRead = blob.clone();
        shared.planInference(InferenceRequest.layerOutputs(List.of("prob")));
        assertArrayEquals(asRead, blob, "the caffemodel's blob is left as read");
        assertNotSame(blob, shared.layer("conv1").params().get(0).data().hostData());
        assertBitsEqual("folded conv1", values(after), values(shared.layer("conv1").params().get(0).data()));

        loaded.forward(Map.of("data", input(2)));
        shared.forward(Map.of("data", input(2)));
        assertBitsEqual("prob", values(shared.output("prob")), values(loaded.output("prob")));
    }

    @Test
    void aKeptBlobIsItsLastWritersValueAndBatchesOfAnotherSizeReplanTheBuffers() {
        Net plain = net();
        Net planned = net();
        planned.planInference(InferenceRequest.blobs(List.of("sum", "prob")).withFolding(false).withPoison(true));
        for (int batch : new int[] {2, 1, 3}) {
            plain.forward(Map.of("data", input(batch)));
            planned.forward(Map.of("data", input(batch)));
            assertBitsEqual("sum at batch " + batch, values(plain.blob("sum")), values(planned.blob("sum")));
            assertEquals(Shape.of(batch, 5), planned.blob("prob").shape());
        }
    }

    @Test
    void poisoningFillsAFreedBufferWithNaNSoThatAReadAfterReuseWouldShow() {
        for (boolean poison : new boolean[] {false, true}) {
            Net planned = net();
            planned.planInference(InferenceRequest.layerOutputs(List.of("prob")).withPoison(poison));
            planned.forward(Map.of("data", input(2)));
            // fc's storage (relu3 wrote over it) is freed after its last reader, prob, and nothing takes it again.
            Tensor fc = planned.memoryPlanTensor(new BlobRef(planned.indexOf("fc"), 0));
            assertEquals(poison, Float.isNaN(fc.hostData()[0]), "poison " + poison);
        }
    }

    @Test
    void aPlannedNetRefusesWhatWouldReadMemoryItGaveAway() {
        Net planned = net();
        planned.planInference(InferenceRequest.layerOutputs(List.of("prob")));
        assertThrows(IllegalStateException.class, () -> planned.forwardTo(Map.of("data", input(2)), "conv2"));
        assertThrows(IllegalStateException.class, () -> planned.forwardFrom("conv2"));
        assertThrows(IllegalStateException.class, planned::backward);
        assertThrows(IllegalStateException.class, () -> planned.setMode(Phase.TRAIN));
        assertThrows(IllegalStateException.class, planned::fuseReLUs);
        assertThrows(IllegalStateException.class,
                () -> planned.planInference(InferenceRequest.layerOutputs(List.of("prob"))));
        assertThrows(IllegalStateException.class,
                () -> NetWeights.copy(new CaffeWeights(null, "plan", List.of()), planned));
        NetDefinitionException e = assertThrows(NetDefinitionException.class,
                () -> net().planInference(InferenceRequest.layerOutputs(List.of("conv9"))));
        assertTrue(e.getMessage().contains("'conv9'"), e.getMessage());
        NetParameter.Builder b = NetParameter.newBuilder();
        Prototxt.parseText("plan net", NET, b);
        Net training = NetProtos.build(b.build(), Phase.TRAIN, backend);
        assertThrows(IllegalStateException.class,
                () -> training.planInference(InferenceRequest.layerOutputs(List.of("prob"))));
    }
}

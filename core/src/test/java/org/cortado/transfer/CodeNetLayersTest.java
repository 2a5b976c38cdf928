package org.cortado.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.cortado.backend.cpu.CpuBackend;
import org.cortado.image.ResizeMode;
import org.cortado.image.TransformSpec;
import org.cortado.layers.NetDefinitionException;
import org.cortado.tensor.Tensor;
import org.cortado.testing.SharedData;
import org.cortado.testing.TinyNet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A code net of several layers gives, in one pass, the very codes of one code net per layer. */
class CodeNetLayersTest {
    private static final InputRecipe CENTRE = CodeNetTest.CENTRE;
    private static final InputRecipe OVERSAMPLE = CodeNetTest.OVERSAMPLE;

    @TempDir
    Path dir;

    private TinyNet.Files tiny;

    @BeforeEach
    void net() {
        tiny = TinyNet.write(dir, 11);
    }

    private CodeNet load(List<CodeSpec> specs, InputRecipe input) {
        return CodeNet.load(tiny.deploy(), tiny.caffemodel(), specs, input, new CpuBackend());
    }

    /** Pre and post activation, every pooling, a flattened map and a code without space, out of depth order. */
    private static final List<CodeSpec> SPECS = List.of(
            CodeSpec.of("conv2"),
            new CodeSpec("conv1", CodeSpec.Activation.PRE, CodeSpec.Pooling.MAX),
            new CodeSpec("conv1", CodeSpec.Activation.POST, CodeSpec.Pooling.AVG),
            new CodeSpec("conv1", CodeSpec.Activation.POST, CodeSpec.Pooling.NONE),
            CodeSpec.of("fc"),
            new CodeSpec("conv2", CodeSpec.Activation.POST, CodeSpec.Pooling.MAX));

    @Test
    void eachPartHoldsTheSameFloatsAsTheCodeNetOfItsLayerAlone() {
        for (InputRecipe input : List.of(CENTRE, OVERSAMPLE)) {
            Tensor x = CodeNetTest.images(3, input.oversample() ? 14 : TinyNet.INPUT, 5);
            CodeNet all = load(SPECS, input);
            float[][] rows = all.codes(x);
            assertEquals(SPECS.size(), all.parts().size());
            int offset = 0;
            for (int k = 0; k < SPECS.size(); k++) {
                CodeNet.Part part = all.parts().get(k);
                CodeNet alone = load(List.of(SPECS.get(k)), input);
                float[][] expected = alone.codes(x);
                assertEquals(offset, part.offset());
                assertEquals(alone.dim(), part.dim());
                assertEquals(alone.pooling(), part.pooling());
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(expected[i], Arrays.copyOfRange(rows[i], offset, offset + part.dim()),
                            SPECS.get(k) + " of image " + i + (input.oversample() ? ", oversampled" : ""));
                }
                offset += part.dim();
            }
            assertEquals(offset, all.dim());
        }
    }

    /**
     * SqueezeNet, where the code nets fuse each convolution with its ReLU and write the fire modules' convolutions
     * into their concats: the probed blobs (concats, poolings, conv_final) keep exactly their single-layer values.
     */
    @Test
    void squeezeNetsProbedLayersAreTheFloatsOfTheirOwnCodeNets() {
        Path model = SharedData.require("models/squeezenet_v1.0");
        InputRecipe caffe = InputRecipe.centre(TransformSpec.of(new ResizeMode.Fixed(256, 256), 227, 104, 117, 123));
        List<CodeSpec> specs = List.of(CodeSpec.of("pool1"), CodeSpec.of("fire2/concat"),
                new CodeSpec("fire5/concat", CodeSpec.Activation.POST, CodeSpec.Pooling.MAX), CodeSpec.of("pool8"),
                CodeSpec.of("fire9/concat"), CodeSpec.of("conv_final"));
        Path deploy = model.resolve("deploy.prototxt");
        Path weights = model.resolve("squeezenet_v1.0.caffemodel");
        Tensor x = CodeNetTest.images(2, 227, 3);
        CodeNet all = CodeNet.load(deploy, weights, specs, caffe, new CpuBackend());
        float[][] rows = all.codes(x);
        for (int k = 0; k < specs.size(); k++) {
            CodeNet.Part part = all.parts().get(k);
            float[][] alone = CodeNet.load(deploy, weights, specs.get(k), caffe, new CpuBackend()).codes(x);
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(alone[i], Arrays.copyOfRange(rows[i], part.offset(), part.offset() + part.dim()),
                        specs.get(k).layer() + " of image " + i);
            }
        }
    }

    @Test
    void preAndPostActivationDifferWhereTheReluClamps() {
        CodeNet both = load(List.of(new CodeSpec("conv1", CodeSpec.Activation.PRE, CodeSpec.Pooling.NONE),
                new CodeSpec("conv1", CodeSpec.Activation.POST, CodeSpec.Pooling.NONE)), CENTRE);
        float[] row = both.codes(CodeNetTest.images(1, TinyNet.INPUT, 9))[0];
        int d = both.parts().get(0).dim();
        boolean clamped = false;
        for (int j = 0; j < d; j++) {
            assertEquals(Math.max(0f, row[j]), row[d + j], 0f);
            clamped |= row[j] < 0;
        }
        assertTrue(clamped, "the test needs negative conv1 values");
    }

    @Test
    void provenanceJoinsWhatDiffersAndTheNetIsCutAfterTheDeepestLayer() {
        CodeNet net = load(List.of(CodeSpec.of("conv1"), new CodeSpec("conv2", CodeSpec.Activation.POST,
                CodeSpec.Pooling.MAX)), CENTRE);
        assertEquals("conv1+conv2", net.provenance().layer());
        assertEquals("post", net.provenance().activation());
        assertEquals("avg+max", net.provenance().pooling());
        assertTrue(!net.definition().hasLayer("fc"),
                "nothing after conv2's ReLU");
        assertEquals("layers conv1 (post, avg) + conv2 (post, max)", net.describeCodes());
    }

    @Test
    void aMissingLayerAmongSeveralIsNamed() {
        NetDefinitionException e = assertThrows(NetDefinitionException.class,
                () -> load(List.of(CodeSpec.of("conv1"), CodeSpec.of("conv7")), CENTRE));
        assertTrue(e.getMessage().contains("'conv7'") && e.getMessage().contains("tiny.prototxt"), e.getMessage());
    }
}

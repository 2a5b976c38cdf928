package org.cortado.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.cortado.backend.ConvGeometry;
import org.cortado.backend.SolverGradient;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backend's convolutions keep their packed or Winograd-transformed weights between passes under the weights'
 * write stamp ({@link DerivedWeights}): a weight written through its tensor, one element or all of them, must be seen
 * by the next pass, and unwritten weights must keep their form.
 */
class ConvolutionWeightWritesTest {
    /** Winograd (3x3 stride 1, many channels), shifted rows (3x3 stride 2), a pointwise product (1x1). */
    static Stream<int[]> geometries() {
        return Stream.of(new int[] {1, 128, 7, 6, 128, 3, 3, 1, 1, 1, 1, 1, 1, 1},
                new int[] {1, 24, 11, 11, 16, 3, 3, 2, 2, 1, 1, 1, 1, 1},
                new int[] {2, 32, 5, 5, 24, 1, 1, 1, 1, 0, 0, 1, 1, 1});
    }

    private record Operands(ConvGeometry g, Tensor input, Tensor weight, Tensor bias, Tensor output) {
        static Operands of(int[] d) {
            ConvGeometry g = CpuConvolutionTest.geometry(d);
            Random rnd = new Random(3);
            return new Operands(g,
                    Tensor.wrap(Shape.of(g.batch(), g.inChannels(), g.inH(), g.inW()),
                            GemmTest.random(rnd, g.batch() * g.inChannels() * g.inH() * g.inW())),
                    Tensor.wrap(Shape.of(g.outChannels(), g.inChannelsPerGroup(), g.kernelH(), g.kernelW()),
                            GemmTest.random(rnd, g.outChannels() * g.patchSize())),
                    Tensor.wrap(Shape.of(g.outChannels()), GemmTest.random(rnd, g.outChannels())),
                    Tensor.zeros(Shape.of(g.batch(), g.outChannels(), g.outH(), g.outW())));
        }

        /** The pass on a new backend, which derives everything afresh from a copy of the weights. */
        float[] fresh() {
            try (CpuBackend cpu = new CpuBackend(2)) {
                Tensor out = Tensor.zeros(output.shape());
                cpu.convolutionForward(g, input, cpu.upload(weight), bias, out);
                return out.hostDataToRead();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void weightsWrittenThroughTheirTensorAreSeenByTheNextPass(int[] d) {
        Operands o = Operands.of(d);
        try (CpuBackend cpu = new CpuBackend(2)) {
            for (int step = 0; step < 6; step++) {
                int n = o.weight().count();
                switch (step) {
                    case 2 -> o.weight().hostData()[n - 1] += 0.5f;  // the last element only
                    case 3 -> {                                       // every element, as a solver step does
                        float[] w = o.weight().hostData();
                        for (int i = 0; i < n; i++) {
                            w[i] *= 0.9f;
                        }
                    }
                    case 5 -> o.weight().reshape(Shape.of(n)).hostData()[0] = -1f;  // through another handle
                    default -> { }                                    // unchanged: the kept form from step 1 on
                }
                cpu.convolutionForward(o.g(), o.input(), o.weight(), o.bias(), o.output());
                assertArrayEquals(o.fresh(), o.output().hostDataToRead(), o.g() + ", step " + step);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("geometries")
    void aSolverStepIsSeenByTheNextPass(int[] d) {
        Operands o = Operands.of(d);
        try (CpuBackend cpu = new CpuBackend(2)) {
            Tensor diff = Tensor.wrap(o.weight().shape(), GemmTest.random(new Random(5), o.weight().count()));
            Tensor history = Tensor.zeros(o.weight().shape());
            for (int step = 0; step < 3; step++) {
                cpu.convolutionReluForward(o.g(), o.input(), o.weight(), o.bias(), o.output());
                cpu.convolutionReluForward(o.g(), o.input(), o.weight(), o.bias(), o.output());
                float[] expected = o.fresh();
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = Math.max(expected[i], 0f);
                }
                assertArrayEquals(expected, o.output().hostDataToRead(), o.g() + ", step " + step);
                cpu.sgdUpdate(o.weight(), diff, history, SolverGradient.l2(1f, 0f), 0.1f, 0.9f);
            }
        }
    }

    @Test
    void unwrittenWeightsKeepTheirFormFromTheSecondPassAndAWriteDropsIt() {
        Operands o = Operands.of(geometries().findFirst().orElseThrow());
        try (CpuBackend cpu = new CpuBackend(2)) {
            Runnable pass = () -> cpu.convolutionForward(o.g(), o.input(), o.weight(), o.bias(), o.output());
            pass.run();
            assertEquals(0, cpu.keptWeightForms(), "a one-shot pass keeps nothing");
            pass.run();
            assertEquals(1, cpu.keptWeightForms());
            o.weight().hostDataToRead();
            pass.run();
            assertEquals(1, cpu.keptWeightForms(), "reading the weights keeps their form");
            o.weight().hostData();
            pass.run();
            assertEquals(0, cpu.keptWeightForms(), "a hand-out for writing drops it; the new stamp's first pass");
            pass.run();
            assertEquals(1, cpu.keptWeightForms());
        }
    }
}

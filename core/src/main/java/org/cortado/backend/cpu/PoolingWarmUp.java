package org.cortado.backend.cpu;

import org.cortado.backend.PoolGeometry;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * The pooling paths of {@link CpuWarmUp}: each vector loop of {@link VectorMaxRuns} that a Zoo net's inference
 * pooling takes, over a row wide enough that the loop runs, plus the whole-plane average. The warm-up's other pooling,
 * 13 wide, has 6 windows at stride 2, which fill no 8-lane vector: it never ran the windows' vector loop, and C2
 * compiles a branch it has never seen taken as a trap that throws the compiled code away when a real layer takes it.
 */
final class PoolingWarmUp {
    /** 35 columns: 17 windows at stride 2, two 8-lane vectors and a tail (a 16-lane vector and a tail). */
    private static final int WIDTH = 35;
    /**
     * Three rows, one output row of the stride-2 windows: until C2 compiles them, vector loops run boxed and a
     * round of 8 planes of 35 x 35 took a fifth of a second (a whole one the first time), most of the warm-up's
     * bound; C2 compiles after enough calls, so the calls are made small.
     */
    private static final int HEIGHT = 3;
    /** Planes of the whole-plane average: one block of {@link CpuPooling}'s, which it sums at once. */
    private static final int PLANES = 8;

    private final CpuBackend cpu;
    /**
     * One plane to itself, so that its last row, which has no room for a whole vector past its end, takes the plain
     * tails: a branch that the compiled code has never seen taken is an uncommon trap that throws that code away.
     */
    private final Tensor in = Tensor.zeros(Shape.of(1, 1, HEIGHT, WIDTH));
    private final Tensor planes = Tensor.zeros(Shape.of(1, PLANES, HEIGHT, WIDTH));
    private final PoolGeometry threeByTwo = new PoolGeometry(1, 1, HEIGHT, WIDTH, 3, 3, 2, 2, 0, 0, 1, 17);
    private final PoolGeometry twoByTwo = new PoolGeometry(1, 1, HEIGHT, WIDTH, 2, 2, 2, 2, 0, 0, 2, 18);
    private final PoolGeometry wholePlane = new PoolGeometry(1, PLANES, HEIGHT, WIDTH, HEIGHT, WIDTH, 1, 1, 0, 0, 1,
            1);
    private final Tensor threeOut = Tensor.zeros(Shape.of(1, 1, 1, 17));
    private final Tensor twoOut = Tensor.zeros(Shape.of(1, 1, 2, 18));
    private final Tensor meanOut = Tensor.zeros(Shape.of(1, PLANES, 1, 1));

    PoolingWarmUp(CpuBackend cpu) {
        this.cpu = cpu;
        for (Tensor t : new Tensor[] {in, planes}) {
            float[] x = t.hostData();
            for (int i = 0; i < x.length; i++) {
                x[i] = (i * 7919 % 101) / 50f - 1f;
            }
        }
    }

    void round() {
        cpu.maxPoolForward(threeByTwo, in, threeOut, null);
        cpu.maxPoolForward(twoByTwo, in, twoOut, null);
        cpu.avePoolForward(wholePlane, planes, meanOut);
    }

    /** What the last round wrote, for tests. */
    float[][] outputs() {
        return new float[][] {threeOut.hostData().clone(), twoOut.hostData().clone(), meanOut.hostData().clone()};
    }
}

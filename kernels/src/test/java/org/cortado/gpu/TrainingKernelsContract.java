package org.cortado.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.SplittableRandom;
import org.cortado.backend.CounterRng;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The dropout, SGD and input-transform kernels against plain Java statements of the same formulas, until the CPU
 * backend has these operations (then they join BackendOpsContract as one-line OpParity cases). Dropout must agree
 * exactly: the mask comes from {@link CounterRng} on both sides. Run on a GPU and on the emulated device.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TrainingKernelsContract {
    private GpuBackend gpu;

    abstract GpuBackend open();

    @BeforeAll
    void openBackend() {
        gpu = open();
    }

    @AfterAll
    void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
        }
        return v;
    }

    @Test
    void dropoutDrawsTheCpuMaskExactly() {
        int n = 100_003;
        long seed = 0x5EEDL;
        long offset = 1L << 33;
        float ratio = 0.5f;
        float[] x = random(n, 1);
        float[] dy = random(n, 2);
        float[] wantY = new float[n];
        float[] wantDx = new float[n];
        float scale = 1f / (1f - ratio);
        for (int i = 0; i < n; i++) {
            boolean keep = CounterRng.keep(seed, offset + i, ratio);
            wantY[i] = keep ? x[i] * scale : 0f;
            wantDx[i] = keep ? dy[i] * scale : 0f;
        }
        Shape s = Shape.of(n);
        Tensor y = gpu.allocate(s);
        Tensor dx = gpu.allocate(s);
        gpu.dropoutForward(gpu.upload(Tensor.wrap(s, x)), y, seed, offset, ratio);
        gpu.dropoutBackward(gpu.upload(Tensor.wrap(s, dy)), dx, seed, offset, ratio);
        assertNull(OpParity.compare("dropout out", s, wantY, gpu.download(y).hostData(), 0f, 0f));
        assertNull(OpParity.compare("dropout dinp", s, wantDx, gpu.download(dx).hostData(), 0f, 0f));
    }

    @Test
    void sgdUpdateIsCaffesThreeStepsInOne() {
        int n = 4097;
        float[] w = random(n, 3);
        float[] g = random(n, 4);
        float[] h = random(n, 5);
        Shape s = Shape.of(n);
        Tensor gw = gpu.upload(Tensor.wrap(s, w.clone()));
        Tensor gh = gpu.upload(Tensor.wrap(s, h.clone()));
        gpu.sgdUpdate(gw, gpu.upload(Tensor.wrap(s, g)), gh, 0.01f, 0.9f, 5e-4f);
        for (int i = 0; i < n; i++) {
            h[i] = 0.9f * h[i] + 0.01f * (g[i] + 5e-4f * w[i]);
            w[i] -= h[i];
        }
        assertNull(OpParity.compare("history", s, h, gpu.download(gh).hostData(), OpParity.TOL, OpParity.EPS));
        assertNull(OpParity.compare("weight", s, w, gpu.download(gw).hostData(), OpParity.TOL, OpParity.EPS));
    }

    @Test
    void transformCropsMirrorsSubtractsTheMeanAndScales() {
        int n = 3;
        int c = 3;
        int sh = 9;
        int sw = 11;
        int ch = 5;
        int cw = 7;
        int[] crops = {0, 0, 0, 4, 4, 1, 2, 3, 1};
        float[] src = random(n * c * sh * sw, 6);
        float[] meanImage = random(c * sh * sw, 7);
        float[] meanValues = {0.1f, -0.2f, 0.3f};
        for (boolean perPixel : new boolean[] {false, true}) {
            float[] mean = perPixel ? meanImage : meanValues;
            float[] want = new float[n * c * ch * cw];
            for (int img = 0; img < n; img++) {
                for (int k = 0; k < c; k++) {
                    for (int y = 0; y < ch; y++) {
                        for (int x = 0; x < cw; x++) {
                            int sy = crops[3 * img] + y;
                            int sx = crops[3 * img + 2] == 1 ? crops[3 * img + 1] + cw - 1 - x : crops[3 * img + 1] + x;
                            float m = perPixel ? mean[(k * sh + sy) * sw + sx] : mean[k];
                            want[((img * c + k) * ch + y) * cw + x] = (src[((img * c + k) * sh + sy) * sw + sx] - m) * 0.5f;
                        }
                    }
                }
            }
            Tensor dst = gpu.allocate(Shape.of(n, c, ch, cw));
            gpu.transform(gpu.upload(Tensor.wrap(Shape.of(n, c, sh, sw), src)), dst, crops,
                    gpu.upload(Tensor.wrap(Shape.of(mean.length), mean)), perPixel, 0.5f);
            assertEquals(null, OpParity.compare("transform mean " + (perPixel ? "image" : "values"), dst.shape(), want,
                    gpu.download(dst).hostData(), 0f, 0f));
        }
    }
}

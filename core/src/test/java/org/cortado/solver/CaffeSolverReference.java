package org.cortado.solver;

/**
 * Caffe's SGDSolver::ApplyUpdate for one parameter, written as its CPU path runs it: whole-array BLAS-like steps,
 * each rounding to float on its own (Normalize's caffe_scal, Regularize's caffe_axpy with the weight or its
 * caffe_cpu_sign, ComputeUpdateValue's powx / add / axpby / div sequence, Blob::Update's axpy by -1). The Solver's
 * fused kernels must give the same bits where Caffe's steps are single roundings of the same expressions (no
 * clipping, an {@code iter_size} that is a power of two).
 */
final class CaffeSolverReference {
    private CaffeSolverReference() {
    }

    /** Normalize and Regularize: the diff as ComputeUpdateValue sees it. */
    static float[] regularized(float[] data, float[] diff, int iterSize, float localDecay, boolean l1) {
        float[] g = diff.clone();
        if (iterSize != 1) {
            float normalization = 1f / iterSize;
            for (int i = 0; i < g.length; i++) {
                g[i] = normalization * g[i];
            }
        }
        if (localDecay != 0) {
            for (int i = 0; i < g.length; i++) {
                float temp = l1 ? (0f < data[i] ? 1f : 0f) - (data[i] < 0f ? 1f : 0f) : data[i];
                g[i] = localDecay * temp + g[i];
            }
        }
        return g;
    }

    /** Blob::Update: {@code data = -1 * diff + data}. */
    static void update(float[] data, float[] diff) {
        for (int i = 0; i < data.length; i++) {
            data[i] = -1f * diff[i] + data[i];
        }
    }

    /** AdaGradSolver::ComputeUpdateValue; returns the new diff. */
    static float[] adaGrad(float[] diff, float[] history, float localRate, float delta) {
        int n = diff.length;
        float[] update = new float[n];
        for (int i = 0; i < n; i++) {
            update[i] = diff[i] * diff[i];                      // caffe_powx(diff, 2)
        }
        for (int i = 0; i < n; i++) {
            history[i] = update[i] + history[i];                // caffe_add(update, history)
        }
        for (int i = 0; i < n; i++) {
            update[i] = (float) Math.sqrt(history[i]);          // caffe_powx(history, 0.5)
        }
        for (int i = 0; i < n; i++) {
            update[i] = update[i] + delta;                      // caffe_add_scalar(delta)
        }
        for (int i = 0; i < n; i++) {
            update[i] = diff[i] / update[i];                    // caffe_div(diff, update)
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = localRate * update[i];                     // caffe_cpu_axpby(local_rate, update, 0, diff)
        }
        return out;
    }

    /** RMSPropSolver::ComputeUpdateValue; returns the new diff. */
    static float[] rmsProp(float[] diff, float[] history, float localRate, float rmsDecay, float delta) {
        int n = diff.length;
        float[] update = new float[n];
        for (int i = 0; i < n; i++) {
            update[i] = diff[i] * diff[i];
        }
        float keep = 1f - rmsDecay;
        for (int i = 0; i < n; i++) {
            history[i] = keep * update[i] + rmsDecay * history[i];  // caffe_cpu_axpby(1-rms_decay, update, rms_decay, h)
        }
        for (int i = 0; i < n; i++) {
            update[i] = (float) Math.sqrt(history[i]) + delta;
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = localRate * (diff[i] / update[i]);
        }
        return out;
    }

    /** AdaDeltaSolver::ComputeUpdateValue; returns the new diff. */
    static float[] adaDelta(float[] diff, float[] history, float[] updates, float localRate, float momentum,
                            float delta) {
        int n = diff.length;
        float keep = 1f - momentum;
        float[] update = new float[n];
        float[] temp = new float[n];
        float[] g = diff.clone();
        for (int i = 0; i < n; i++) {
            update[i] = g[i] * g[i];                            // caffe_powx(diff, 2)
            history[i] = keep * update[i] + momentum * history[i];
        }
        for (int i = 0; i < n; i++) {
            temp[i] = delta;                                    // caffe_set(delta, temp)
            update[i] = temp[i] + updates[i];                   // caffe_add(temp, history2, update)
            temp[i] = temp[i] + history[i];                     // caffe_add(temp, history, temp)
            update[i] = update[i] / temp[i];                    // caffe_div(update, temp)
            update[i] = (float) Math.sqrt(update[i]);           // caffe_powx(update, 0.5)
            g[i] = g[i] * update[i];                            // caffe_mul(diff, update, diff)
            update[i] = g[i] * g[i];                            // caffe_powx(diff, 2)
            updates[i] = keep * update[i] + momentum * updates[i];
            g[i] = localRate * g[i];                            // caffe_cpu_scale(local_rate, diff)
        }
        return g;
    }

    /** AdamSolver::ComputeUpdateValue with the step's bias correction folded into {@code rate}; returns the diff. */
    static float[] adam(float[] diff, float[] m, float[] v, float correctedRate, float beta1, float beta2, float eps) {
        int n = diff.length;
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            m[i] = (1f - beta1) * diff[i] + beta1 * m[i];
            float t = diff[i] * diff[i];
            v[i] = (1f - beta2) * t + beta2 * v[i];
            t = (float) Math.sqrt(v[i]);
            t = t + eps;
            t = m[i] / t;
            out[i] = correctedRate * t;
        }
        return out;
    }
}

package org.cortado.backend;

import java.util.ArrayList;
import java.util.List;
import org.cortado.tensor.Tensor;

/**
 * The host arrays {@link LayerOps}' default methods run their reference loops on: a host tensor's own array (so the
 * CPU backend computes in place, without copies), or for a device tensor a downloaded copy, which {@link #commit}
 * uploads back for those asked for with {@link #output}. Loops index by the tensors' counts: a host tensor's array may
 * be longer.
 */
final class HostArrays {
    private final Backend backend;
    private final List<Runnable> writes = new ArrayList<>();

    HostArrays(Backend backend) {
        this.backend = backend;
    }

    /** The values of {@code t}, to read (null for null). */
    float[] input(Tensor t) {
        if (t == null) {
            return null;
        }
        return t.isHost() ? t.hostData() : backend.download(t).hostData();
    }

    /** The values of {@code t}, to read and write; written back to a device tensor by {@link #commit}. */
    float[] output(Tensor t) {
        if (t.isHost()) {
            return t.hostData();
        }
        float[] copy = java.util.Arrays.copyOf(backend.download(t).hostData(), t.count());
        writes.add(() -> backend.copy(backend.upload(Tensor.wrap(t.shape(), copy)), t));
        return copy;
    }

    /** Uploads every device output. */
    void commit() {
        writes.forEach(Runnable::run);
        writes.clear();
    }
}

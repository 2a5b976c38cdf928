package org.cortado.backend.cpu;

/**
 * Scratch arrays owned by the calling thread, grown on demand and kept, so that steady-state calls allocate nothing.
 */
final class ThreadBuffers {
    private ThreadBuffers() {
    }

    /** A thread-local array for {@link #atLeast}: empty until first used. */
    static ThreadLocal<float[]> floats() {
        return ThreadLocal.withInitial(() -> new float[0]);
    }

    /** The calling thread's array in {@code local}, replaced by a larger one when it holds fewer than {@code size}. */
    static float[] atLeast(ThreadLocal<float[]> local, int size) {
        float[] a = local.get();
        if (a.length < size) {
            a = new float[size];
            local.set(a);
        }
        return a;
    }
}

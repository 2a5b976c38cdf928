package org.cortado.tensor;

/** Host memory: a float array. */
public final class HostBuffer implements Buffer {
    private final float[] data;

    public HostBuffer(float[] data) {
        this.data = data;
    }

    public float[] data() {
        return data;
    }

    @Override
    public Device device() {
        return Device.CPU;
    }

    @Override
    public int length() {
        return data.length;
    }
}

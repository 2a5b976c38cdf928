package org.cortado.tensor;

/** Identifies where a buffer lives ("cpu", "cuda:0"). Tensors of different devices never mix in one op. */
public record Device(String name) {
    public static final Device CPU = new Device("cpu");

    @Override
    public String toString() {
        return name;
    }
}

package org.cortado.layers;

/** Whether a net trains (dropout active, batch statistics) or infers, as Caffe's Phase. */
public enum Phase {
    TRAIN,
    TEST
}

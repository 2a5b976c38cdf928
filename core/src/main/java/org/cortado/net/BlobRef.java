package org.cortado.net;

/** Where a blob's value comes from: top {@code top} of layer {@code layer}. */
record BlobRef(int layer, int top) {
}

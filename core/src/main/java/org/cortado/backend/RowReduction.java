package org.cortado.backend;

/**
 * What {@link LayerOps#reduceRows} adds up per row: the values (Caffe's SUM, and MEAN with the coefficient divided by
 * the row length), their absolute values (ASUM) or their squares (SUMSQ).
 */
public enum RowReduction { SUM, ASUM, SUMSQ }

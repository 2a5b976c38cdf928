package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.EltwiseParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Eltwise over bottoms of one shape: SUM ({@code top = sum coeff_i * bottom_i}, coefficients default to 1),
 * PROD ({@code top = product of bottoms}) or MAX (elementwise maximum, first bottom on ties).
 */
public final class EltwiseLayer extends Layer {
    public enum Operation { SUM, PROD, MAX }

    public record Params(Operation operation, float[] coefficients) {
        public static Params from(LayerParameter layer) {
            EltwiseParameter p = layer.getEltwiseParam();
            Operation op = switch (p.getOperation()) {
                case SUM -> Operation.SUM;
                case PROD -> Operation.PROD;
                case MAX -> Operation.MAX;
            };
            int n = layer.getBottomCount();
            if (p.getCoeffCount() > 0 && (op != Operation.SUM || p.getCoeffCount() != n)) {
                throw new NetDefinitionException("layer '" + layer.getName() + "' (Eltwise): coeff is for SUM and "
                        + "needs one value per bottom (" + n + "), got " + p.getCoeffCount());
            }
            float[] coeffs = new float[n];
            for (int i = 0; i < n; i++) {
                coeffs[i] = p.getCoeffCount() > 0 ? p.getCoeff(i) : 1f;
            }
            return new Params(op, coeffs);
        }
    }

    private final Params p;

    public EltwiseLayer(LayerConfig config, Params params) {
        super(config, 2, Integer.MAX_VALUE, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        for (int i = 1; i < bottomShapes.size(); i++) {
            if (!bottomShapes.get(i).equals(bottomShapes.get(0))) {
                throw error("bottom " + i + " " + bottomShapes.get(i) + " differs from bottom 0 "
                        + bottomShapes.get(0));
            }
        }
        return List.of(bottomShapes.get(0));
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        Tensor top = tops.get(0);
        switch (p.operation()) {
            case SUM -> {
                backend.fill(top, 0f);
                for (int i = 0; i < bottoms.size(); i++) {
                    backend.axpby(p.coefficients()[i], bottoms.get(i), 1f, top);
                }
            }
            case PROD -> {
                backend.multiply(bottoms.get(0), bottoms.get(1), top);
                for (int i = 2; i < bottoms.size(); i++) {
                    backend.multiply(top, bottoms.get(i), top);
                }
            }
            case MAX -> {
                Tensor mask = phase == Phase.TRAIN ? scratch(backend, "mask", top.shape()) : null;
                backend.eltwiseMaxForward(bottoms, top, mask);
            }
        }
    }

    /**
     * SUM: {@code dinp_i = coeff_i * dout}; PROD: {@code dinp_i = dout * product of the other bottoms} (Caffe's
     * stable_prod_grad, no division by bottom i); MAX: {@code dout} where bottom i won, else 0.
     */
    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Tensor dout = topDiffs.get(0);
        for (int i = 0; i < bottoms.size(); i++) {
            if (!wants(bottomDiffs, i)) {
                continue;
            }
            Tensor dinp = bottomDiffs.get(i);
            switch (p.operation()) {
                case SUM -> {
                    backend.fill(dinp, 0f);
                    backend.axpby(p.coefficients()[i], dout, 1f, dinp);
                }
                case PROD -> {
                    backend.copy(dout, dinp);
                    for (int j = 0; j < bottoms.size(); j++) {
                        if (j != i) {
                            backend.multiply(dinp, bottoms.get(j), dinp);
                        }
                    }
                }
                case MAX -> {
                    Tensor mask = existingScratch("mask");
                    if (mask == null || !mask.shape().equals(dout.shape())) {
                        throw error("backward needs the argmax mask of a TRAIN-phase forward of this shape");
                    }
                    backend.eltwiseMaxBackward(dout, mask, i, dinp);
                }
            }
        }
    }
}

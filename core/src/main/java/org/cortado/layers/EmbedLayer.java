package org.cortado.layers;

import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.backend.InvalidLabelException;
import org.cortado.caffe.proto.Caffe.EmbedParameter;
import org.cortado.caffe.proto.Caffe.FillerParameter;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Embed (a lookup table): bottom of integer indices in {@code [0, input_dim)}, any shape {@code (d...)}; weight
 * {@code (input_dim, num_output)}, bias {@code (num_output)}; top {@code (d..., num_output)} with
 * {@code top[m, :] = weight[index[m], :] + bias}. Gradients go to the weight rows that were read
 * ({@code dweight[index[m]] += dout[m]}) and the bias; the indices get none (Caffe refuses to propagate to them).
 */
public final class EmbedLayer extends Layer {
    public record Params(int numOutput, int inputDim, boolean biasTerm, FillerParameter weightFiller,
                         FillerParameter biasFiller) {
        public static Params from(LayerParameter layer) {
            EmbedParameter p = layer.getEmbedParam();
            String who = "layer '" + layer.getName() + "' (Embed): ";
            // uint32 in Caffe's proto: past 2^31-1 a value reads negative here.
            if (p.getNumOutput() <= 0) {
                throw new NetDefinitionException(who + "num_output must be set and positive (at most 2^31-1), got "
                        + Integer.toUnsignedString(p.getNumOutput()));
            }
            if (p.getInputDim() <= 0) {
                throw new NetDefinitionException(who + "input_dim must be set and positive (at most 2^31-1), got "
                        + Integer.toUnsignedString(p.getInputDim()));
            }
            return new Params(p.getNumOutput(), p.getInputDim(), p.getBiasTerm(), p.getWeightFiller(),
                    p.getBiasFiller());
        }
    }

    private final Params p;
    private int rows;

    public EmbedLayer(LayerConfig config, Params params) {
        super(config, 1, 1, 1, 1);
        this.p = params;
    }

    public Params settings() {
        return p;
    }

    @Override
    public void setUp(Backend backend, List<Shape> bottomShapes) {
        addParam(backend, Shape.of(p.inputDim(), p.numOutput()));
        if (p.biasTerm()) {
            addParam(backend, Shape.of(p.numOutput()));
        }
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        Shape in = bottomShapes.get(0);
        if ((long) in.count() * p.numOutput() > Integer.MAX_VALUE) {
            throw error("top of " + in.count() + " x " + p.numOutput() + " values exceeds 2^31-1");
        }
        rows = in.count();
        int[] dims = java.util.Arrays.copyOf(in.dims(), in.rank() + 1);
        dims[in.rank()] = p.numOutput();
        return List.of(Shape.of(dims));
    }

    /** The indices are not differentiable. */
    @Override
    public boolean canPropagateTo(int index) {
        return false;
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        try {
            backend.layerOps().embedForward(bottoms.get(0), params().get(0).data(), tops.get(0), p.inputDim());
        } catch (InvalidLabelException e) {
            throw error("input " + e.label() + " at position " + e.position() + " is not an index in [0, input_dim "
                    + p.inputDim() + ")");
        }
        if (p.biasTerm()) {
            backend.addBias(tops.get(0), params().get(1).data(), rows, p.numOutput(), 1);
        }
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        Param weight = params().get(0);
        if (weight.isLearned()) {
            backend.layerOps().embedBackward(bottoms.get(0), topDiffs.get(0), weight.diff(backend));
        }
        if (p.biasTerm() && params().get(1).isLearned()) {
            backend.biasBackward(topDiffs.get(0), params().get(1).diff(backend), rows, p.numOutput(), 1);
        }
    }
}

package org.cortado.layers;

import java.util.ArrayList;
import java.util.List;
import org.cortado.backend.Backend;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.LayerParameter;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Input: tops {@code (N, C, H, W)} (any shape) that the caller fills before forward. Also stands for the legacy
 * {@code input}/{@code input_dim}/{@code input_shape} net fields.
 */
public final class InputLayer extends Layer {
    /** One shape per top, or one shape for every top. */
    public record Params(List<Shape> shapes) {
        public static Params from(LayerParameter p) {
            List<Shape> shapes = new ArrayList<>();
            for (BlobShape s : p.getInputParam().getShapeList()) {
                shapes.add(Shape.ofLongs(s.getDimList().stream().mapToLong(Long::longValue).toArray()));
            }
            return new Params(shapes);
        }
    }

    private List<Shape> shapes;

    public InputLayer(LayerConfig config, Params params) {
        super(config, 0, 0, 1, Integer.MAX_VALUE);
        int n = params.shapes().size();
        if (n != 1 && n != config.tops().size()) {
            throw error("input_param must give one shape or one per top (" + config.tops().size() + "), got " + n);
        }
        this.shapes = List.copyOf(params.shapes());
    }

    /** Changes the shape of top {@code index}, e.g. to another batch size. Modified: this layer. */
    public void setShape(int index, Shape shape) {
        List<Shape> all = new ArrayList<>(topShapes());
        all.set(index, shape);
        shapes = List.copyOf(all);
    }

    /** The declared shape of each top. */
    public List<Shape> topShapes() {
        if (shapes.size() == config.tops().size()) {
            return shapes;
        }
        List<Shape> all = new ArrayList<>();
        for (int i = 0; i < config.tops().size(); i++) {
            all.add(shapes.get(0));
        }
        return all;
    }

    @Override
    public List<Shape> reshape(List<Shape> bottomShapes) {
        return topShapes();
    }

    @Override
    public void forward(Backend backend, Phase phase, List<Tensor> bottoms, List<Tensor> tops) {
        // The caller wrote the tops.
    }

    @Override
    public void backward(Backend backend, List<Tensor> bottoms, List<Tensor> tops, List<Tensor> topDiffs,
                         List<Tensor> bottomDiffs) {
        // Nothing below an input.
    }
}

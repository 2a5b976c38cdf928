package org.cortado.solver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.cortado.backend.Backend;
import org.cortado.backend.SolverGradient;
import org.cortado.caffe.proto.Caffe.BlobProto;
import org.cortado.caffe.proto.Caffe.BlobShape;
import org.cortado.caffe.proto.Caffe.SolverState;
import org.cortado.layers.Param;
import org.cortado.layers.Phase;
import org.cortado.net.Net;
import org.cortado.tensor.Shape;
import org.cortado.tensor.Tensor;

/**
 * Caffe's Solver::Step and ApplyUpdate for SGD, Nesterov, Adam, AdaGrad, RMSProp and AdaDelta. One iteration: clear
 * the parameter gradients, run {@code iter_size} forward/backward passes (gradients accumulate), then update every
 * learned parameter: scale all gradients by {@code clip_gradients / ||g||} when their joint L2 norm exceeds it, divide
 * by {@code iter_size}, add {@code weight_decay * decay_mult * data} (L2) or {@code * sign(data)} (L1), and apply the
 * solver's rule with rate {@code lr(iter) * lr_mult} through the backend's fused update. Frozen parameters ({@code lr_mult == 0}) are
 * skipped entirely: no update, no decay, no history.
 *
 * <p>The stochastic layers draw from {@code (seed, iter * iter_size + k)} for pass {@code k}, so that a run resumed
 * from a snapshot at iteration {@code i} continues exactly as the uninterrupted one.
 *
 * <p>A pass may run no example at all (every image of its batch failed to decode). Its gradients are zero, so
 * averaging it in would only shrink the others; an iteration whose passes all ran none updates nothing at all (no
 * momentum step, no weight decay) and only advances the iteration, so that the next one takes the next batches.
 */
public final class Solver {
    private final Net net;
    private final SolverSettings s;
    private final long seed;
    private final Backend backend;
    /**
     * Per net parameter (index in {@link Net#params()}): momentum history, Adam's first moment, AdaGrad's sum and
     * RMSProp's and AdaDelta's mean of squared gradients; null if none yet.
     */
    private final List<Tensor> history = new ArrayList<>();
    /** Adam's second moment, AdaDelta's mean of squared updates, per parameter. */
    private final List<Tensor> history2 = new ArrayList<>();
    private int iter;
    private double lastRate;

    public Solver(Net net, SolverSettings settings, long seed) {
        this.net = net;
        this.s = settings;
        this.seed = seed;
        this.backend = net.backend();
        for (int i = 0; i < net.params().size(); i++) {
            history.add(null);
            history2.add(null);
        }
        this.lastRate = LearningRate.at(settings, 0);
    }

    public SolverSettings settings() {
        return s;
    }

    public Net net() {
        return net;
    }

    /** The number of updates done. */
    public int iteration() {
        return iter;
    }

    /** The learning rate of the next update (before multipliers). */
    public double rate() {
        return LearningRate.at(s, iter);
    }

    /** One forward and backward pass of an iteration on the net; returns the pass's loss. */
    @FunctionalInterface
    public interface Pass {
        double run(Net net);
    }

    /** One forward and backward pass that says how many examples it ran (none: it ran nothing). */
    @FunctionalInterface
    public interface CountingPass {
        Outcome run(Net net);
    }

    /** What passes ran: their mean loss (over passes with examples; 0 when none had any) and how many examples. */
    public record Outcome(double loss, long examples) {
        /** Whether the iteration this describes updated the parameters. */
        public boolean updated() {
            return examples > 0;
        }
    }

    /**
     * One iteration on {@code iter_size} batches from {@code batches}; returns their mean loss.
     *
     * @throws TrainingDivergedException when the loss is NaN or infinite (nothing is updated then)
     */
    public double step(Supplier<Map<String, Tensor>> batches) {
        return step(n -> n.forwardBackward(batches.get()));
    }

    /**
     * One iteration of {@code iter_size} passes (each a forward and backward the caller runs, e.g. from cached
     * activations); returns their mean loss.
     *
     * @throws TrainingDivergedException when the loss is NaN or infinite (nothing is updated then)
     */
    public double step(Pass pass) {
        return stepCounted(n -> new Outcome(pass.run(n), 1)).loss();
    }

    /**
     * One iteration of {@code iter_size} passes that count their examples. The gradients are averaged over the passes
     * that ran examples; when none did, nothing is updated and only the iteration advances.
     *
     * @throws TrainingDivergedException when the loss is NaN or infinite (nothing is updated then)
     */
    public Outcome stepCounted(CountingPass pass) {
        net.setMode(Phase.TRAIN);
        net.clearParamDiffs();
        double loss = 0;
        long examples = 0;
        int passesWithExamples = 0;
        for (int k = 0; k < s.iterSize(); k++) {
            net.setRandomState(seed, (long) iter * s.iterSize() + k);
            Outcome o = pass.run(net);
            if (o.examples() > 0) {
                loss += o.loss();
                examples += o.examples();
                passesWithExamples++;
            }
        }
        if (passesWithExamples == 0) {
            iter++;
            return new Outcome(0, 0);
        }
        loss /= passesWithExamples;
        if (!Double.isFinite(loss)) {
            throw new TrainingDivergedException(iter, loss, lastRate);
        }
        applyUpdate(passesWithExamples);
        return new Outcome(loss, examples);
    }

    /** The learning rate of the last update (before multipliers). */
    public double lastRate() {
        return lastRate;
    }

    /** ApplyUpdate on the gradients of {@code iter_size} passes now in the net; advances the iteration. */
    public void applyUpdate() {
        applyUpdate(s.iterSize());
    }

    /** ApplyUpdate on the gradients of {@code passes} passes; advances the iteration. */
    private void applyUpdate(int passes) {
        float rate = (float) LearningRate.at(s, iter);
        List<Param> params = net.params();
        float clipScale = 1f;
        if (s.clipGradients() >= 0) {
            double sumSq = 0;
            for (Param p : params) {
                if (p.isLearned()) {
                    sumSq += backend.sumOfSquares(p.diff(backend));
                }
            }
            double norm = Math.sqrt(sumSq);
            if (norm > s.clipGradients()) {
                clipScale = (float) (s.clipGradients() / norm);
            }
        }
        float gradScale = clipScale / passes;
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (!p.isLearned()) {
                continue;
            }
            float localRate = rate * p.lrMult();
            SolverGradient grad = new SolverGradient(gradScale, s.weightDecay() * p.decayMult(),
                    s.regularization() == SolverSettings.Regularization.L1);
            Tensor data = p.data();
            Tensor diff = p.diff(backend);
            Tensor h = historyOf(i, history);
            switch (s.type()) {
                case SGD -> backend.sgdUpdate(data, diff, h, grad, localRate, s.momentum());
                case NESTEROV -> backend.nesterovUpdate(data, diff, h, grad, localRate, s.momentum());
                case ADAM -> {
                    int t = iter + 1;
                    float correction = (float) (Math.sqrt(1.0 - Math.pow(s.momentum2(), t))
                            / (1.0 - Math.pow(s.momentum(), t)));
                    backend.adamUpdate(data, diff, h, historyOf(i, history2), grad, localRate * correction,
                            s.momentum(), s.momentum2(), s.delta());
                }
                case ADAGRAD -> backend.adaGradUpdate(data, diff, h, grad, localRate, s.delta());
                case RMSPROP -> backend.rmsPropUpdate(data, diff, h, grad, localRate, s.rmsDecay(), s.delta());
                case ADADELTA -> backend.adaDeltaUpdate(data, diff, h, historyOf(i, history2), grad, localRate,
                        s.momentum(), s.delta());
            }
        }
        lastRate = rate;
        iter++;
    }

    private Tensor historyOf(int i, List<Tensor> list) {
        Tensor h = list.get(i);
        if (h == null) {
            h = backend.allocate(net.params().get(i).shape());
            list.set(i, h);
        }
        return h;
    }

    // ---- state ------------------------------------------------------------------------------------------------------

    /**
     * Caffe's SolverState, serialised as a {@code .solverstate} file holds it: the iteration, multistep's current step, and one history blob per net parameter in
     * order (zeros for frozen ones), then for Adam and AdaDelta a second blob per parameter (second moments, squared
     * updates), as Caffe's AdamSolver and AdaDeltaSolver keep them.
     */
    public byte[] stateBytes(String learnedNet) {
        return state(learnedNet).toByteArray();
    }

    /** {@link #stateBytes}'s message. */
    SolverState state(String learnedNet) {
        SolverState.Builder b = SolverState.newBuilder().setIter(iter)
                .setCurrentStep(LearningRate.currentStep(s, iter));
        if (learnedNet != null) {
            b.setLearnedNet(learnedNet);
        }
        addHistory(b, history);
        if (s.type().hasSecondHistory()) {
            addHistory(b, history2);
        }
        return b.build();
    }

    private void addHistory(SolverState.Builder b, List<Tensor> list) {
        List<Param> params = net.params();
        for (int i = 0; i < params.size(); i++) {
            Shape shape = params.get(i).shape();
            BlobProto.Builder blob = BlobProto.newBuilder();
            BlobShape.Builder bs = BlobShape.newBuilder();
            for (int d : shape.dims()) {
                bs.addDim(d);
            }
            blob.setShape(bs);
            Tensor h = list.get(i);
            float[] values = h == null ? new float[shape.count()] : backend.download(h).hostData();
            for (int k = 0; k < shape.count(); k++) {
                blob.addData(values[k]);
            }
            b.addHistory(blob);
        }
    }

    /**
     * Continues from {@code solverstate}, Caffe's {@code .solverstate} bytes (written by {@link #stateBytes} for this
     * net and solver type); {@code source} names them in errors.
     */
    public void restore(byte[] solverstate, String source) {
        SolverState state;
        try {
            state = SolverState.parseFrom(solverstate);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(source + ": not a solver state (" + e.getMessage() + ")", e);
        }
        restore(state, source);
    }

    /** Continues from {@code state} (written by {@link #state} for this net and solver type). */
    void restore(SolverState state, String source) {
        List<Param> params = net.params();
        int expected = params.size() * (s.type().hasSecondHistory() ? 2 : 1);
        if (state.getHistoryCount() != expected) {
            throw new IllegalArgumentException(source + ": solver state holds " + state.getHistoryCount()
                    + " history blobs, this net and solver (" + s.type().caffeName() + ") need " + expected);
        }
        for (int k = 0; k < expected; k++) {
            int i = k % params.size();
            Param p = params.get(i);
            BlobProto blob = state.getHistory(k);
            if (blob.getDataCount() != p.shape().count()) {
                throw new IllegalArgumentException(source + ": history blob " + k + " has " + blob.getDataCount()
                        + " values, parameter " + p + " has " + p.shape().count());
            }
            float[] v = new float[blob.getDataCount()];
            for (int j = 0; j < v.length; j++) {
                v[j] = blob.getData(j);
            }
            List<Tensor> list = k < params.size() ? history : history2;
            backend.copy(backend.upload(Tensor.wrap(p.shape(), v)), historyOf(i, list));
        }
        iter = state.getIter();
        lastRate = LearningRate.at(s, Math.max(0, iter - 1));
    }
}

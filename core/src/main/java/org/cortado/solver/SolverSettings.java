package org.cortado.solver;

import java.nio.file.Path;
import java.util.List;
import org.cortado.caffe.CaffeFormatException;
import org.cortado.caffe.Prototxt;
import org.cortado.caffe.proto.Caffe.SolverParameter;

/**
 * The parts of Caffe's SolverParameter that shape training, checked as Caffe checks them. Fields and defaults are Caffe's; the
 * learning-rate policies are those of {@link LearningRate}.
 *
 * @param type          SGD, Nesterov, Adam, AdaGrad, RMSProp or AdaDelta ({@code type}, or the legacy
 *                      {@code solver_type} enum)
 * @param momentum      SGD/Nesterov momentum, Adam's beta1, AdaDelta's decay of its averages
 * @param momentum2     Adam's beta2
 * @param delta         Adam's epsilon; AdaGrad's, RMSProp's and AdaDelta's guard against dividing by zero
 * @param iterSize      forward/backward passes whose gradients are accumulated (and averaged) per update
 * @param clipGradients the L2 norm above which all gradients are scaled down together; negative: off
 * @param maxIter       the iteration count of the poly policy (and of a run that gives no epochs)
 * @param rmsDecay      RMSProp's decay of its mean square
 * @param regularization how {@code weight_decay} penalises the weights ({@code regularization_type})
 */
public record SolverSettings(Type type, float baseLr, String lrPolicy, float gamma, float power, int stepsize,
                             List<Integer> stepvalues, int maxIter, float momentum, float momentum2, float delta,
                             float weightDecay, int iterSize, float clipGradients, int display, int snapshot,
                             long randomSeed, float rmsDecay, Regularization regularization) {
    /** Caffe's solvers, by their {@code type} strings. */
    public enum Type {
        SGD("SGD"), NESTEROV("Nesterov"), ADAM("Adam"), ADAGRAD("AdaGrad"), RMSPROP("RMSProp"),
        ADADELTA("AdaDelta");

        private final String caffeName;

        Type(String caffeName) {
            this.caffeName = caffeName;
        }

        /** Caffe's name of the solver ({@code type: "..."}). */
        public String caffeName() {
            return caffeName;
        }

        /**
         * Whether the solver keeps a second history per parameter (Adam's second moments, AdaDelta's squared
         * updates), stored after the first ones in the solver state, as Caffe does.
         */
        public boolean hasSecondHistory() {
            return this == ADAM || this == ADADELTA;
        }
    }

    /** Caffe's {@code regularization_type}: L2 adds {@code decay * w} to the gradient, L1 {@code decay * sign(w)}. */
    public enum Regularization { L2, L1 }

    public static final List<String> POLICIES = List.of("fixed", "step", "multistep", "exp", "inv", "poly", "sigmoid");

    public SolverSettings {
        stepvalues = List.copyOf(stepvalues);
    }

    /** Settings without RMSProp's decay (Caffe's default, 0.99) and with L2 regularisation. */
    public SolverSettings(Type type, float baseLr, String lrPolicy, float gamma, float power, int stepsize,
                          List<Integer> stepvalues, int maxIter, float momentum, float momentum2, float delta,
                          float weightDecay, int iterSize, float clipGradients, int display, int snapshot,
                          long randomSeed) {
        this(type, baseLr, lrPolicy, gamma, power, stepsize, stepvalues, maxIter, momentum, momentum2, delta,
                weightDecay, iterSize, clipGradients, display, snapshot, randomSeed, 0.99f, Regularization.L2);
    }

    /** Reads and checks a solver.prototxt; errors name the file and the field. */
    public static SolverSettings read(Path file) {
        return from(Prototxt.readSolver(file), file.toString());
    }

    /** Checks {@code p}; {@code source} names it in errors. */
    private static SolverSettings from(SolverParameter p, String source) {
        Type type = type(p, source);
        String policy = p.hasLrPolicy() ? p.getLrPolicy() : "fixed";
        if (!POLICIES.contains(policy)) {
            throw bad(source, "lr_policy", "'" + policy + "' is not one of " + POLICIES);
        }
        if (!p.hasBaseLr() || !(p.getBaseLr() >= 0)) {
            throw bad(source, "base_lr", p.hasBaseLr() ? p.getBaseLr() + " must be non-negative" : "is required");
        }
        if ((policy.equals("step") || policy.equals("sigmoid")) && p.getStepsize() <= 0) {
            throw bad(source, "stepsize", "must be positive for lr_policy '" + policy + "', got " + p.getStepsize());
        }
        List<Integer> steps = p.getStepvalueList();
        for (int i = 1; i < steps.size(); i++) {
            if (steps.get(i) <= steps.get(i - 1)) {
                throw bad(source, "stepvalue", "values must increase, got " + steps);
            }
        }
        if (policy.equals("poly") && p.getMaxIter() <= 0) {
            throw bad(source, "max_iter", "must be positive for lr_policy 'poly'");
        }
        if (p.getIterSize() < 1) {
            throw bad(source, "iter_size", "must be at least 1, got " + p.getIterSize());
        }
        Regularization regularization = switch (p.getRegularizationType()) {
            case "L2" -> Regularization.L2;
            case "L1" -> Regularization.L1;
            default -> throw bad(source, "regularization_type", "'" + p.getRegularizationType()
                    + "' is not one of L2, L1");
        };
        // The checks of Caffe's AdaGradSolver, RMSPropSolver and AdaDeltaSolver constructors.
        if ((type == Type.ADAGRAD || type == Type.RMSPROP) && p.getMomentum() != 0) {
            throw bad(source, "momentum", "cannot be used with " + type.caffeName() + ", got " + p.getMomentum());
        }
        if (type == Type.RMSPROP && !(p.getRmsDecay() >= 0 && p.getRmsDecay() < 1)) {
            throw bad(source, "rms_decay", "must be in [0, 1), got " + p.getRmsDecay());
        }
        return new SolverSettings(type, p.getBaseLr(), policy, p.getGamma(), p.getPower(), p.getStepsize(), steps,
                p.getMaxIter(), p.getMomentum(), p.getMomentum2(), p.getDelta(), p.getWeightDecay(), p.getIterSize(),
                p.getClipGradients(), p.getDisplay(), p.getSnapshot(), p.getRandomSeed(), p.getRmsDecay(),
                regularization);
    }

    private static Type type(SolverParameter p, String source) {
        String name;
        if (p.hasType()) {
            name = p.getType();
        } else if (p.hasSolverType()) {
            // Caffe's UpgradeSolverType: the legacy enum names the same solvers.
            name = switch (p.getSolverType()) {
                case SGD -> "SGD";
                case NESTEROV -> "Nesterov";
                case ADAM -> "Adam";
                case ADAGRAD -> "AdaGrad";
                case RMSPROP -> "RMSProp";
                case ADADELTA -> "AdaDelta";
            };
        } else {
            name = "SGD";
        }
        for (Type t : Type.values()) {
            if (t.caffeName().equals(name)) {
                return t;
            }
        }
        throw bad(source, "type", "solver '" + name + "' is not one of SGD, Nesterov, Adam, AdaGrad, RMSProp, AdaDelta");
    }

    private static CaffeFormatException bad(String source, String field, String what) {
        return new CaffeFormatException(source + ": " + field + " " + what);
    }

    /** This with another base learning rate. */
    public SolverSettings withBaseLr(float lr) {
        return new SolverSettings(type, lr, lrPolicy, gamma, power, stepsize, stepvalues, maxIter, momentum,
                momentum2, delta, weightDecay, iterSize, clipGradients, display, snapshot, randomSeed, rmsDecay,
                regularization);
    }

    /** This with another max_iter (a run given in epochs sets it from the data set size). */
    public SolverSettings withMaxIter(int iterations) {
        return new SolverSettings(type, baseLr, lrPolicy, gamma, power, stepsize, stepvalues, iterations, momentum,
                momentum2, delta, weightDecay, iterSize, clipGradients, display, snapshot, randomSeed, rmsDecay,
                regularization);
    }
}

/// Which latent of the VAE's posterior stands for an image when scoring or training: scoring and
/// training both encode images, and a script picks the same way for both (`latent:`).
public enum LatentChoice: String, Sendable, CaseIterable {
    /// A posterior sample drawn from the seed, as the DiffusionITM reference and diffusers' training scripts do.
    case sample
    /// The posterior mean.
    case mean
}

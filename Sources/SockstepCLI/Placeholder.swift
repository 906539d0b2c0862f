public enum PlaceholderSockstepCLI {}

public enum PlaceholderRunner {}

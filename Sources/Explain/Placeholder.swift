public enum PlaceholderExplain {}

public enum PlaceholderRender {}

"""The associate's tools in the chat panel: each answers from the store's tables as a card."""

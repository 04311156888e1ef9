"""What the playground's browser tests share: waiting for an element of the page to show a text."""


def wait_text(page, element_id: str, text: str) -> None:
    """Until the element with this id shows exactly this text (Playwright's default timeout)."""
    page.wait_for_function(f"document.getElementById({element_id!r}).textContent == {text!r}")

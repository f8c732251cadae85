"""The report page: its data document (`document.py`) and the one HTML file around it (`html.py`)."""

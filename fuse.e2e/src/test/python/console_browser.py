"""Drives the web console's FUSE tab in headless Chromium through chromedriver (WebDriver).

usage: console_browser.py URL USER PASSWORD MOUNTPOINT ACTION [ARG]
  ACTION screenshot PNG   loads the tab, checks the mount's row, saves a screenshot
  ACTION swap BACKEND     submits the swap form of the mount's row
  ACTION unmount          submits the unmount form of the mount's row
Prints the result box the page shows after an action ("result: ...") and the row's state, backend and transport."""
import base64
import shutil
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

url, user, password, mountpoint, action = sys.argv[1:6]
argument = sys.argv[6] if len(sys.argv) > 6 else None

profile = tempfile.mkdtemp(prefix="fuse-chromium-")
options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1280,1000",
             f"--user-data-dir={profile}"):
    options.add_argument(flag)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    driver.set_page_load_timeout(20)
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {"Authorization": "Basic " + token}})
    driver.get(url)
    wait = WebDriverWait(driver, 15)
    row_xpath = f"//table[@id='fuse-mounts']//tr[@data-mountpoint='{mountpoint}']"
    row = wait.until(lambda d: d.find_element(By.XPATH, row_xpath))
    if action == "screenshot":
        driver.save_screenshot(argument)
    elif action == "swap":
        form = row.find_element(By.CSS_SELECTOR, "form.fuse-swap")
        Select(form.find_element(By.NAME, "backend")).select_by_visible_text(argument)
        form.find_element(By.TAG_NAME, "button").click()
    elif action == "unmount":
        row.find_element(By.CSS_SELECTOR, "form.fuse-unmount button").click()
    else:
        sys.exit(f"unknown action {action}")
    if action != "screenshot":
        result = wait.until(lambda d: d.find_element(By.ID, "fuse-result"))
        print("result: " + result.text.replace("\n", " / "))
    rows = driver.find_elements(By.XPATH, row_xpath)
    if rows:
        print("state: " + rows[0].find_element(By.CLASS_NAME, "state").text)
        print("backend: " + rows[0].find_element(By.CLASS_NAME, "backend").text)
        print("transport: " + rows[0].find_element(By.CLASS_NAME, "transport").text)
    else:
        print("state: gone")
finally:
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)
